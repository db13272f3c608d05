/* A unit's response to a volume project (templates/volume/responses/edit.html): add and remove items and funding
   lines, and show each item's funding total against its budget as the unit types. The server checks every rule
   again (volume.services.responses); this only saves a round trip. Amounts are summed in cents, never floats. */
(function () {
  "use strict";
  var form = document.querySelector("[data-response-form]");
  if (!form) { return; }
  var items = form.querySelector("[data-items]");
  var itemTemplate = document.getElementById("item-template");
  var fundingTemplate = document.getElementById("funding-template");

  function cents(text) {
    var value = String(text || "").trim().replace(/,/g, "");
    if (!/^\d+(\.\d{1,2})?$/.test(value)) { return null; }
    var parts = value.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  function yuan(total) {
    var whole = Math.floor(total / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return whole + "." + ("0" + (total % 100)).slice(-2);
  }

  function refresh(item) {
    var total = 0, valid = true;
    item.querySelectorAll("[data-amount]").forEach(function (input) {
      if (!input.value.trim()) { return; }
      var amount = cents(input.value);
      if (amount === null) { valid = false; } else { total += amount; }
    });
    var budget = cents(item.querySelector("[data-budget]").value);
    item.querySelector("[data-sum]").textContent = valid ? yuan(total) : "—";
    item.querySelector("[data-budget-echo]").textContent = budget === null ? "—" : yuan(budget);
    var state = item.querySelector("[data-sum-state]");
    var box = item.querySelector("[data-sum-box]");
    var matches = valid && budget !== null && total === budget;
    state.textContent = budget === null ? "" : (matches ? "（一致）" : "（不一致）");
    box.classList.toggle("text-danger", budget !== null && !matches);
    box.classList.toggle("text-success", matches);
  }

  function fromTemplate(template, replacements) {
    var html = template.innerHTML;
    Object.keys(replacements).forEach(function (key) { html = html.split(key).join(replacements[key]); });
    var holder = document.createElement(template.id === "funding-template" ? "tbody" : "div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    var item = button.closest("[data-item]");
    if (button.hasAttribute("data-add-item") && itemTemplate) {
      var key = items.getAttribute("data-next");
      items.setAttribute("data-next", String(parseInt(key, 10) + 1));
      var made = fromTemplate(itemTemplate, { "__I__": key });
      var empty = items.querySelector(".empty-state");
      if (empty) { empty.remove(); }
      items.appendChild(made);
      refresh(made);
      made.querySelector("[data-lot]").focus();
    } else if (button.hasAttribute("data-remove-item") && item) {
      item.remove();
    } else if (button.hasAttribute("data-add-funding") && item && fundingTemplate) {
      var lines = item.querySelector("[data-funding]");
      var number = lines.getAttribute("data-next");
      lines.setAttribute("data-next", String(parseInt(number, 10) + 1));
      lines.appendChild(fromTemplate(fundingTemplate, { "__I__": item.getAttribute("data-key"), "__J__": number }));
    } else if (button.hasAttribute("data-remove-funding") && item) {
      button.closest("[data-funding-row]").remove();
      refresh(item);
    }
  });

  form.addEventListener("input", function (event) {
    var item = event.target.closest("[data-item]");
    if (item) { refresh(item); }
  });

  form.querySelectorAll("[data-item]").forEach(refresh);
}());
