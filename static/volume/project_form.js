/* The volume project form (发起集中带量采购): the item rows and the participant picker.
 *
 * Picker: the ticked unit ids live in the hidden field [data-picker-selected] ("12,15,…"), kept across searches
 * and pages; each search asks the server for the matching units (POST, the filter and the ticked ids) and swaps
 * the result table; "勾选全部筛选结果" adds every id the server listed for the filter (data-matching-ids). The
 * server checks every id again when the form is submitted. */
(function () {
  "use strict";

  // --- item rows ---------------------------------------------------------------------------------
  var form = document.getElementById("volume-project-form");
  if (!form) { return; }
  var rows = form.querySelector("[data-item-rows]");
  var template = document.getElementById("item-row-template");
  var total = form.querySelector("input[name='items-TOTAL_FORMS']");
  var add = form.querySelector("[data-item-add]");
  if (rows && template && total && add) {
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("tbody");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      var numberCell = row.querySelector("td");
      if (numberCell) { numberCell.textContent = String(index + 1); }
      rows.appendChild(row);
      total.value = String(index + 1);
    });
  }

  // --- participant picker ------------------------------------------------------------------------
  var picker = document.getElementById("unit-picker");
  if (!picker) { return; }
  var hidden = picker.querySelector("[data-picker-selected]");
  var count = picker.querySelector("[data-picker-count]");
  var results = picker.querySelector("#picker-results");
  var filters = picker.querySelector("[data-picker-filter]");
  var csrf = form.querySelector("input[name='csrfmiddlewaretoken']");
  var selected = new Set((hidden.value || "").split(",").filter(Boolean));
  var timer = null;

  function save() {
    hidden.value = Array.from(selected).join(",");
    count.textContent = String(selected.size);
  }

  function sync() {
    var boxes = results.querySelectorAll("[data-picker-unit]");
    var all = boxes.length > 0;
    boxes.forEach(function (box) {
      box.checked = selected.has(box.value);
      all = all && box.checked;
    });
    var pageBox = results.querySelector("[data-picker-page]");
    if (pageBox) { pageBox.checked = all; }
  }

  function load(page) {
    var data = new FormData();
    filters.querySelectorAll("input, select").forEach(function (field) {
      if (field.type === "checkbox") {
        if (field.checked) { data.append(field.name, "on"); }
      } else if (field.value) {
        data.append(field.name, field.value);
      }
    });
    if (page) { data.append("ppage", page); }
    data.append("unit_ids", hidden.value);
    if (csrf) { data.append("csrfmiddlewaretoken", csrf.value); }
    results.setAttribute("aria-busy", "true");
    fetch(picker.dataset.url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) { results.innerHTML = html; sync(); })
      .catch(function () {
        results.innerHTML = '<div class="alert alert-warning">筛选结果加载失败，请稍后重试。</div>';
      })
      .finally(function () { results.removeAttribute("aria-busy"); });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { load(); }, 300);
  }

  filters.addEventListener("input", later);
  filters.addEventListener("change", function () { load(); });
  filters.addEventListener("keydown", function (event) {
    // Enter searches; it must not submit the whole project form.
    if (event.key === "Enter") { event.preventDefault(); load(); }
  });

  results.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches("[data-picker-unit]")) {
      if (box.checked) { selected.add(box.value); } else { selected.delete(box.value); }
      save(); sync();
    } else if (box.matches("[data-picker-page]")) {
      results.querySelectorAll("[data-picker-unit]").forEach(function (unit) {
        if (box.checked) { selected.add(unit.value); } else { selected.delete(unit.value); }
      });
      save(); sync();
    }
  });

  results.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    var holder = results.querySelector("[data-picker-results]");
    var matching = holder ? (holder.dataset.matchingIds || "").split(",").filter(Boolean) : [];
    if (button.matches("[data-picker-all]")) {
      matching.forEach(function (id) { selected.add(id); });
      save(); sync();
    } else if (button.matches("[data-picker-none]")) {
      matching.forEach(function (id) { selected.delete(id); });
      save(); sync();
    } else if (button.dataset.pickerGoto) {
      load(button.dataset.pickerGoto);
    }
  });

  picker.querySelector("[data-picker-clear]").addEventListener("click", function () {
    selected.clear(); save(); sync();
  });

  save(); sync();
})();
