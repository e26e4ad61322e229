// Accessible names for two of Django admin's script-built widgets, as they appear (on load, and in
// each inline row added later):
// - an autocomplete field (select2) is a combobox named only by its current choice, so an empty one
//   has no name (nor has the read-only box showing the choice): its field's label names both;
// - the "search" icon of a two-list choice (groups, permissions) is a span with aria-label and no
//   role, which assistive technology ignores: it becomes an image.
(function () {
  "use strict";
  let labels = 0;

  // The field's <label>, or in a table row (no label per cell) a hidden one made from the select's
  // aria-label (catalog.admin gives each cell its column's name).
  function labelOf(select, container) {
    const label = select.id && document.querySelector(`label[for="${select.id}"]`);
    if (label) return label;
    const name = select.getAttribute("aria-label");
    if (!name) return null;
    const made = document.createElement("span");
    made.hidden = true;
    made.textContent = name;
    container.after(made);  // select2 finds its box as the select's next sibling: kept so
    return made;
  }

  function nameCombobox(select) {
    const container = select.nextElementSibling;
    const box = container && container.querySelector(".select2-selection[role=combobox]");
    if (!box || box.dataset.named) return;
    const label = labelOf(select, container);
    if (!label) return;
    box.dataset.named = "true";
    if (!label.id) label.id = `admin-label-${++labels}`;
    const ids = (box.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    if (!ids.includes(label.id)) box.setAttribute("aria-labelledby", [label.id, ...ids].join(" "));
    const shown = box.querySelector(".select2-selection__rendered[role=textbox]");  // the current choice
    if (shown) shown.setAttribute("aria-labelledby", label.id);
  }

  function fix(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(nameCombobox);
    root.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(icon => icon.setAttribute("role", "img"));
  }

  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => { pending = false; fix(document); });
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
