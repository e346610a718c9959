/* Many at once (dash-bulk): while a list is being sent, keep the progress bar up to date without
   reloading; once it is done, reload to show the result. Without JavaScript the page refreshes
   itself (a <noscript> refresh) and has a link, so this script only makes it smoother. */
(function () {
  'use strict';
  var box = document.querySelector('[data-bulk-progress]');
  if (!box || !window.fetch) return;
  var bar = box.querySelector('progress');
  var text = box.querySelector('[data-bulk-progress-text]');
  var url = box.getAttribute('data-bulk-progress');
  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) {
        if (!progress) return;
        bar.max = progress.total;
        bar.value = progress.done;
        if (text && progress.text) text.textContent = progress.text;
        if (progress.state === 'done') window.location.reload();
        else window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
