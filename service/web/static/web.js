/* Progressive enhancement only: the form works without this file.
   - focus the error summary (or the notice) after a failed submit;
   - "Print for the patient";
   - "Add another product" beyond the rows the server sends. */
(function () {
  "use strict";

  function focusProblem() {
    var target = document.getElementById("error-summary") || document.getElementById("referral");
    if (target) {
      if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
      target.focus();
    }
  }

  function enablePrint() {
    var buttons = document.querySelectorAll("[data-print]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function renumber(row, index) {
    var name = /magnesium_products\[\d+\]/g;
    var id = /magnesium_products-\d+-/g;
    Array.prototype.forEach.call(row.querySelectorAll("[name]"), function (el) {
      el.name = el.name.replace(name, "magnesium_products[" + index + "]");
    });
    ["id", "for", "aria-describedby"].forEach(function (attr) {
      Array.prototype.forEach.call(row.querySelectorAll("[" + attr + "]"), function (el) {
        el.setAttribute(attr, el.getAttribute(attr).replace(id, "magnesium_products-" + index + "-"));
      });
    });
    var number = row.querySelector("[data-row-number]");
    if (number) { number.textContent = String(index + 1); }
  }

  function clear(row) {
    Array.prototype.forEach.call(row.querySelectorAll(".field-error"), function (el) { el.remove(); });
    Array.prototype.forEach.call(row.querySelectorAll(".field--error"), function (el) {
      el.classList.remove("field--error");
    });
    Array.prototype.forEach.call(row.querySelectorAll("[aria-invalid]"), function (el) {
      el.removeAttribute("aria-invalid");
      var hint = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (ref) {
        return ref && !/-error$/.test(ref);
      });
      if (hint.length) { el.setAttribute("aria-describedby", hint.join(" ")); } else { el.removeAttribute("aria-describedby"); }
    });
    Array.prototype.forEach.call(row.querySelectorAll("input[type=text]"), function (el) {
      el.value = /times_per_day/.test(el.name) ? "1" : "";
    });
    Array.prototype.forEach.call(row.querySelectorAll("select"), function (el) {
      var field = el.name.replace(/^.*\./, "");
      var defaults = { route: "oral", purpose: "supplement" };
      el.value = defaults[field] || "";
    });
  }

  function enableAddProduct() {
    var button = document.getElementById("add-product");
    var list = document.getElementById("f-magnesium_products");
    if (!button || !list) { return; }
    var max = parseInt(list.getAttribute("data-max"), 10) || 20;
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = list.querySelectorAll("[data-product-row]");
      var row = rows[rows.length - 1].cloneNode(true);
      renumber(row, rows.length);
      clear(row);
      list.appendChild(row);
      row.querySelector("select").focus();
      if (rows.length + 1 >= max) { button.hidden = true; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusProblem();
    enablePrint();
    enableAddProduct();
  });
}());
