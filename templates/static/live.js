// Keeps a page's live region current. On every change of the event's questions (Server-Sent
// Events) the region is fetched again from the server, which renders and escapes it; the page
// works without this script, only not live.
(function () {
  'use strict';
  var region = document.querySelector('[data-live-stream]');
  if (!region || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var timer = null;

  function busy() {
    // Someone typing in an edit field must not lose their words.
    var active = document.activeElement;
    return active && region.contains(active) && (active.tagName === 'TEXTAREA' || active.tagName === 'INPUT');
  }

  function refresh() {
    timer = null;
    if (busy()) {
      timer = setTimeout(refresh, 1000);
      return;
    }
    fetch(window.location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, 'text/html').querySelector('[data-live-stream]');
        // Replacing unchanged content would only swap the buttons under someone's pointer
        // (the page after one's own action already shows it when its news arrives).
        if (fresh && fresh.innerHTML !== region.innerHTML) {
          region.innerHTML = fresh.innerHTML;
        }
      })
      .catch(function () { /* the next change tries again */ });
  }

  function changed() {
    if (!timer) {
      timer = setTimeout(refresh, 150);
    }
  }

  var source = new EventSource(region.getAttribute('data-live-stream'));
  ['question.created', 'question.updated', 'question.deleted'].forEach(function (name) {
    source.addEventListener(name, changed);
  });
})();
