// The reminder form's recurrence builder: show only the choices of the chosen frequency and
// ending. Without JavaScript every field shows and the server reads the ones that apply.
(function () {
  "use strict";
  function update(form) {
    var frequency = form.querySelector("[name=frequency]");
    var ends = form.querySelector("[name=ends]");
    if (!frequency) return;
    form.querySelectorAll("[data-repeat]").forEach(function (el) {
      el.hidden = el.dataset.repeat.split(" ").indexOf(frequency.value) < 0;
    });
    var end = ends ? ends.value : "never";
    var until = form.querySelector("[data-end=on]");
    var count = form.querySelector("[data-end=after]");
    if (until) until.hidden = end !== "on";
    if (count) count.hidden = end !== "after";
    var mode = form.querySelector("[name=month_mode]:checked");
    var day = form.querySelector("[data-month=day]");
    if (day) day.hidden = mode && mode.value !== "day";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("reminder-form");
    if (!form) return;
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
})();
