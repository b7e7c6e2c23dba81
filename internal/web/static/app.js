// leadhub's small script: keyboard shortcuts for pages that declare them
// with data-key on a link or button. Pages work without it.
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var el = document.querySelector('[data-key="' + CSS.escape(e.key) + '"]');
    if (!el) return;
    e.preventDefault();
    el.click();
  });
})();

// Countdowns: a <time datetime="…" data-countdown> says how long until
// (or since) its instant, kept current every second; the page renders
// the same text, so it reads right without the script too.
(function () {
  "use strict";
  function span(s) {
    s = Math.round(s);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), x = s % 60;
    if (d > 0) return d + "d " + h + "h";
    if (h > 0) return h + "h " + (m < 10 ? "0" : "") + m + "m " + (x < 10 ? "0" : "") + x + "s";
    return m + "m " + (x < 10 ? "0" : "") + x + "s";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      if (isNaN(at)) return;
      var s = (at - now) / 1000;
      el.textContent = s >= 0 ? "in " + span(s) : span(-s) + " ago";
      el.classList.toggle("overdue", s < 0);
    });
  }
  if (document.querySelector("time[data-countdown]")) {
    tick();
    setInterval(tick, 1000);
  }
})();
