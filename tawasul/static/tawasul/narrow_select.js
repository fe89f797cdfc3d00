// A select whose options depend on another field of the same form:
//   <select data-narrow-by="contact_type"> with options carrying data-narrow-value="<type id>"
// offers only the options matching the other field's current value (all of them while it is
// empty). The server refuses a mismatch anyway; this only spares the user the round trip.
(function () {
  "use strict";

  function narrow(select, clearMismatch) {
    const form = select.form;
    if (!form) { return; }
    const source = form.elements.namedItem(select.getAttribute("data-narrow-by"));
    if (!source) { return; }
    const wanted = source.value;
    for (const option of select.options) {
      const value = option.getAttribute("data-narrow-value");
      if (value === null) { continue; } // the empty choice stays
      const fits = !wanted || value === wanted;
      option.hidden = !fits;
      option.disabled = !fits;
    }
    // On a change of the other field a choice that no longer fits is cleared; on load it is
    // kept, so that a form sent back with an error still shows what was chosen.
    const chosen = select.selectedOptions[0];
    if (clearMismatch && chosen && chosen.disabled) {
      select.value = "";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function narrowAll(root) {
    (root || document).querySelectorAll("select[data-narrow-by]").forEach(function (select) {
      narrow(select, false);
    });
  }

  document.addEventListener("change", function (event) {
    const field = event.target;
    if (!field.form || !field.name) { return; }
    field.form.querySelectorAll("select[data-narrow-by]").forEach(function (select) {
      if (select.getAttribute("data-narrow-by") === field.name) { narrow(select, true); }
    });
  });
  document.addEventListener("DOMContentLoaded", function () { narrowAll(); });
  document.addEventListener("htmx:afterSwap", function (event) { narrowAll(event.target); });
})();
