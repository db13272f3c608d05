/* Charts of the arrangement analysis (Apache ECharts, vendored in static/vendor/echarts/).
 *
 * No inline script: the page passes its figures with Django's json_script (#analysis-charts-data),
 * already rounded as the tables beside the charts show them (万元 to two places, half up; shares to
 * one place). Each container [data-chart="<key>"] is drawn from data[<key>].
 *
 * Tooltips hold text, <br> and elements only: never markup with style="…" attributes, which the
 * Content-Security-Policy refuses (ECharts' default axis tooltip writes such markers; see bandsTooltip).
 *
 * Printing: the SVG renderer draws vectors; every render gives the <svg> a viewBox, so the print
 * stylesheet can scale a chart to the paper's width without redrawing it (beforeprint may not fire
 * when a browser prints to PDF without a dialog).
 */
(function () {
  "use strict";

  var source = document.getElementById("analysis-charts-data");
  if (!source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);

  var BLUE = "#0d4a8f";
  var GOLD = "#d9a441";
  var TEAL = "#2a8c82";
  var GREY = "#8a99ab";
  var LIGHT = "#c5ccd4";
  var INK = "#1f2933";
  var MUTED = "#5f6b7a";
  var BAND_COLORS = ["#c6dbef", "#8fbce0", "#4f95cf", "#1f63a8", "#083366"];
  var PART_COLORS = [BLUE, GOLD, TEAL, GREY];
  var FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", ' +
    '"WenQuanYi Micro Hei", sans-serif';

  var twoPlaces = new Intl.NumberFormat("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  var onePlace = new Intl.NumberFormat("zh-CN", {minimumFractionDigits: 1, maximumFractionDigits: 1});
  var whole = new Intl.NumberFormat("zh-CN", {maximumFractionDigits: 0});

  function wan(value) {
    return twoPlaces.format(value);
  }

  function percent(value) {
    return onePlace.format(value) + "%";
  }

  function base(rows) {
    return {
      animation: false,
      textStyle: {fontFamily: FONT, color: INK},
      grid: {left: 8, right: 96, top: 36, bottom: 8},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, confine: true},
      yAxis: {
        type: "category", inverse: true, data: rows,
        axisTick: {show: false}, axisLabel: {color: INK, fontSize: 12, width: 150, overflow: "truncate"},
      },
    };
  }

  function valueAxis(name) {
    return {
      type: "value", name: name, nameLocation: "end", nameGap: 8,
      nameTextStyle: {color: MUTED, align: "right", verticalAlign: "bottom", padding: [0, 0, 6, 0]},
      axisLabel: {color: MUTED, formatter: function (v) { return whole.format(v); }},
      splitLine: {lineStyle: {color: "#e5eaf0"}},
    };
  }

  // 按品目: the money of the largest categories (inside the centralized catalog, outside, and the rest).
  function categories(chart) {
    var items = chart.items;
    var kinds = [
      {name: "政府集中采购目录内", color: BLUE, test: function (item) { return item.catalog === true; }},
      {name: "目录外", color: GREY, test: function (item) { return item.catalog === false; }},
      {name: "其余品目", color: LIGHT, test: function (item) { return item.catalog === null; }},
    ].filter(function (kind) { return items.some(kind.test); });
    var option = base(items.map(function (item) { return item.name; }));
    option.legend = {top: 0, left: 0, itemWidth: 12, itemHeight: 12, textStyle: {color: MUTED}};
    option.xAxis = valueAxis("万元");
    option.tooltip.formatter = function (params) {
      var item = items[params[0].dataIndex];
      return item.name + (item.code ? "（" + item.code + "）" : "") + "<br>" + wan(item.amount) + "万元，占全表" +
        percent(item.share);
    };
    option.series = kinds.map(function (kind) {
      return {
        name: kind.name, type: "bar", stack: "amount", barMaxWidth: 18, itemStyle: {color: kind.color},
        data: items.map(function (item) { return kind.test(item) ? item.amount : "-"; }),
        label: {
          show: true, position: "right", color: INK, fontSize: 11,
          formatter: function (p) { return wan(p.value); },
        },
      };
    });
    return option;
  }

  // The bands' tooltip, built as elements. ECharts' own axis tooltip writes its colour markers as HTML with
  // style="…" attributes, which the Content-Security-Policy refuses (style-src 'self'); a colour set through the
  // element's style object (the CSSOM) is not an inline style and is allowed.
  function bandsTooltip(params) {
    var box = document.createElement("div");
    var title = document.createElement("div");
    title.className = "chart-tooltip-title";
    title.textContent = params.length ? params[0].axisValueLabel : "";
    box.appendChild(title);
    params.forEach(function (p) {
      var row = document.createElement("div");
      row.className = "chart-tooltip-row";
      var marker = document.createElement("span");
      marker.className = "chart-tooltip-marker";
      marker.style.backgroundColor = p.color;
      var name = document.createElement("span");
      name.textContent = p.seriesName;
      var value = document.createElement("span");
      value.className = "chart-tooltip-value";
      value.textContent = (p.value === "-" || p.value == null ? 0 : p.value) + "家";
      row.appendChild(marker);
      row.appendChild(name);
      row.appendChild(value);
      box.appendChild(row);
    });
    return box;
  }

  // 单位金额分档: for the same categories, how many units fall in each amount band.
  function bands(chart) {
    var option = base(chart.categories);
    option.grid.right = 16;
    option.legend = {top: 0, left: 0, itemWidth: 12, itemHeight: 12, textStyle: {color: MUTED}};
    option.xAxis = valueAxis("单位数（家）");
    option.xAxis.minInterval = 1;
    option.tooltip.formatter = function (params) { return bandsTooltip(params); };
    option.series = chart.labels.map(function (label, index) {
      return {
        name: label, type: "bar", stack: "units", barMaxWidth: 18,
        itemStyle: {color: BAND_COLORS[index % BAND_COLORS.length]},
        data: chart.units[index],
      };
    });
    return option;
  }

  // 按地区: the money of each region (the bureau's own level first, as in the table).
  function regions(rows) {
    var option = base(rows.map(function (row) { return row.name; }));
    option.grid.right = 128;
    option.grid.top = 28;
    option.xAxis = valueAxis("万元");
    option.tooltip.formatter = function (params) {
      var row = rows[params[0].dataIndex];
      return row.name + "<br>" + wan(row.amount) + "万元，占全表" + percent(row.share);
    };
    option.series = [{
      name: "采购金额", type: "bar", barMaxWidth: 18, itemStyle: {color: BLUE},
      data: rows.map(function (row) { return row.amount; }),
      label: {
        show: true, position: "right", color: INK, fontSize: 11,
        formatter: function (p) { return wan(p.value) + "（" + percent(rows[p.dataIndex].share) + "）"; },
      },
    }];
    return option;
  }

  // 得分构成: each part's points (value × weight), stacked to the score; the line is the recommendation's.
  function scores(chart) {
    var items = chart.items;
    var option = base(items.map(function (item) { return item.name; }));
    option.grid.right = 120;
    option.legend = {top: 0, left: 0, itemWidth: 12, itemHeight: 12, textStyle: {color: MUTED}};
    option.xAxis = valueAxis("分");
    option.xAxis.max = 100;
    option.tooltip.formatter = function (params) {
      var item = items[params[0].dataIndex];
      var lines = chart.parts.map(function (part, index) {
        return part.label + " " + onePlace.format(item.values[index]) + " × " + part.weight + "% = " +
          twoPlaces.format(item.points[index]);
      });
      return item.name + "：得分" + onePlace.format(item.score) + "（" + (item.recommended ? "建议" : "暂不建议") +
        "）<br>" + lines.join("<br>");
    };
    option.series = chart.parts.map(function (part, index) {
      var series = {
        name: part.label + "×" + part.weight + "%", type: "bar", stack: "score", barMaxWidth: 18,
        itemStyle: {color: PART_COLORS[index % PART_COLORS.length]},
        data: items.map(function (item) { return item.points[index]; }),
      };
      if (index === chart.parts.length - 1) {
        series.label = {
          show: true, position: "right", color: INK, fontSize: 11,
          formatter: function (p) {
            var item = items[p.dataIndex];
            return onePlace.format(item.score) + "分 " + (item.recommended ? "建议" : "暂不建议");
          },
        };
        series.markLine = {
          symbol: "none", silent: true, lineStyle: {color: "#c0161d", type: "dashed"},
          label: {formatter: "建议线" + chart.threshold + "分", color: "#c0161d", position: "start"},
          data: [{xAxis: chart.threshold}],
        };
      }
      return series;
    });
    return option;
  }

  var builders = {categories: categories, bands: bands, regions: regions, scores: scores};
  var ROW_HEIGHT = 30;

  function rowsOf(key, value) {
    if (key === "categories" || key === "scores") { return value.items.length; }
    if (key === "bands") { return value.categories.length; }
    return value.length;
  }

  function fitViewBox(element) {
    var svg = element.querySelector("svg");
    if (svg) {
      svg.setAttribute("viewBox", "0 0 " + svg.getAttribute("width") + " " + svg.getAttribute("height"));
      svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    }
  }

  var charts = [];
  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (element) {
    var key = element.getAttribute("data-chart");
    var build = builders[key];
    var value = data[key];
    if (!build || !value || rowsOf(key, value) === 0) {
      return;
    }
    element.style.height = Math.max(180, rowsOf(key, value) * ROW_HEIGHT + 56) + "px";
    var chart = window.echarts.init(element, null, {renderer: "svg", locale: "ZH"});
    chart.on("finished", function () { fitViewBox(element); });
    chart.setOption(build(value));
    fitViewBox(element);
    charts.push(chart);
  });

  function resize() {
    charts.forEach(function (chart) { chart.resize(); });
  }
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
}());
