/* The calendar page: FullCalendar over the entries of every calendar source.
   Times are the user's wall clock; the calendar runs in UTC so it shows them unchanged. */
(function () {
  "use strict";

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function wallClock(date) {
    return date.toISOString().replace(/\.\d{3}Z$/, "");
  }

  function start() {
    var element = document.getElementById("calendar");
    if (!element || !window.FullCalendar) { return; }
    var data = element.dataset;
    var phone = window.matchMedia("(max-width: 767.98px)").matches;
    var calendar = new FullCalendar.Calendar(element, {
      timeZone: "UTC",
      locale: data.locale,
      direction: data.direction,
      initialView: phone ? "listWeek" : "dayGridMonth",
      height: "auto",
      dayMaxEvents: 4,
      nowIndicator: true,
      firstDay: 0,
      headerToolbar: phone
        ? { start: "prev,next", center: "title", end: "listWeek,timeGridDay" }
        : { start: "prev,next today", center: "title", end: "dayGridMonth,timeGridWeek,timeGridDay,listWeek" },
      buttonText: { today: data.today, day: data.day, week: data.week, month: data.month, list: data.list },
      events: { url: data.entriesUrl },
      eventDrop: function (info) {
        var body = new URLSearchParams();
        body.set("kind", info.event.extendedProps.kind);
        body.set("pk", info.event.extendedProps.pk);
        body.set("start", wallClock(info.event.start));
        fetch(data.moveUrl, {
          method: "POST",
          headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
          body: body.toString(),
          credentials: "same-origin"
        }).then(function (response) {
          if (response.status === 204) { return; }
          info.revert();
          return response.json().then(function (payload) {
            window.alert(payload.error || data.refused);
          }, function () { window.alert(data.refused); });
        }, function () {
          info.revert();
          window.alert(data.refused);
        });
      }
    });
    calendar.render();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
