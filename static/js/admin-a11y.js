// Django admin, made to pass WCAG 2 AA where its own markup does not; no inline script (CSP).
"use strict";

// A tabular inline's fields have a column header but no <label>: name each after its column.
function labelTabularFields() {
  document.querySelectorAll("div.tabular table").forEach(function (table) {
    var headers = Array.from(table.querySelectorAll("thead th")).map(function (th) {
      return th.textContent.replace(/\s+/g, " ").trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row, n) {
      Array.from(row.children).forEach(function (cell, column) {
        cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (field) {
          if (field.labels && field.labels.length) return;
          if (field.getAttribute("aria-label") || field.getAttribute("aria-labelledby")) return;
          var name = headers[column] || field.name;
          if (name) field.setAttribute("aria-label", name + "（第 " + (n + 1) + " 行）");
        });
      });
    });
  });
}

// SelectFilter2 (filter_horizontal) puts aria-label on a bare <span>, which has no role to carry it.
function fixFilterIcons() {
  document.querySelectorAll("span.search-label-icon[aria-label]").forEach(function (icon) {
    icon.setAttribute("role", "img");
  });
}

// An autocomplete (select2) is named by its selection only, which is empty until something
// is chosen: name it by the field's label as well.
function nameAutocompletes() {
  document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
    var label = select.id && document.querySelector("label[for='" + select.id + "']");
    var box = select.parentElement && select.parentElement.querySelector(".select2-selection[role=combobox]");
    if (!label || !box) return;
    if (!label.id) label.id = select.id + "_label";
    var rendered = box.querySelector(".select2-selection__rendered");
    var ids = [label.id].concat(rendered && rendered.id ? [rendered.id] : []);
    box.setAttribute("aria-labelledby", ids.join(" "));
    // The selection itself is a read-only textbox to assistive technology: the same name.
    if (rendered && rendered.id) rendered.setAttribute("aria-labelledby", ids.join(" "));
  });
}

function fixAll() {
  labelTabularFields();
  fixFilterIcons();
  nameAutocompletes();
}

document.addEventListener("DOMContentLoaded", fixAll);
// SelectFilter2 builds its widgets on window load, and "添加另一个" adds inline rows later.
window.addEventListener("load", function () { setTimeout(fixAll, 0); });
document.addEventListener("formset:added", fixAll);
