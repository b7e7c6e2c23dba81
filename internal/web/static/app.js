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
