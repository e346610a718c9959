/* Akkoord signature pad (ES2017, no dependencies). Progressive enhancement: the drawing area is
 * hidden in the HTML and shown here, so without JavaScript the typed name is the signature.
 * On submit a PNG data URL goes into `signatureData`, only when something was drawn. */

/* Every page with a form (progressive enhancement; without JavaScript the server's answers suffice):
 * - focus moves to the error summary, so a screen reader reads it first and the keyboard starts there;
 * - a form marked data-send-once is sent once: after the first submit its buttons (and the layout's
 *   language switch, which belongs to the form) are disabled, and the sign button says "Sending…".
 *   The buttons are disabled after the submit event, so the pressed button's name and value still go along. */
(function () {
  'use strict';

  const summary = document.querySelector('[data-error-summary]');
  if (summary && document.activeElement !== summary) summary.focus();

  const forms = document.querySelectorAll('form[data-send-once]');
  Array.prototype.forEach.call(forms, function (form) {
    let sent = false;
    const buttons = function () {
      const own = form.querySelectorAll('button[type="submit"]');
      const outside = form.id ? document.querySelectorAll('button[form="' + form.id + '"]') : [];
      return Array.prototype.slice.call(own).concat(Array.prototype.slice.call(outside));
    };
    form.addEventListener('submit', function (event) {
      if (sent) {
        event.preventDefault();
        return;
      }
      sent = true;
      const pressed = event.submitter;
      const status = form.querySelector('[data-sending-status]');
      const text = pressed && pressed.getAttribute('data-sending-text');
      if (text) {
        pressed.setAttribute('data-label', pressed.textContent);
        pressed.textContent = text;
        if (status) status.textContent = text;
      }
      window.setTimeout(function () {
        buttons().forEach(function (button) {
          button.disabled = true;
          button.setAttribute('aria-disabled', 'true');
        });
      }, 0);
    });
    // Back to this page from the browser's history: the form can be used again.
    window.addEventListener('pageshow', function (event) {
      if (!event.persisted) return;
      sent = false;
      buttons().forEach(function (button) {
        button.disabled = false;
        button.removeAttribute('aria-disabled');
        if (button.hasAttribute('data-label')) button.textContent = button.getAttribute('data-label');
      });
      const status = form.querySelector('[data-sending-status]');
      if (status) status.textContent = '';
    });
  });
})();

(function () {
  'use strict';

  const area = document.querySelector('[data-signature]');
  const form = area && area.closest('form');
  const canvas = area && area.querySelector('canvas');
  const output = form && form.querySelector('input[name="signatureData"]');
  const clearButton = area && area.querySelector('[data-signature-clear]');
  if (!area || !form || !canvas || !output || !canvas.getContext || !window.PointerEvent) return;

  const ctx = canvas.getContext('2d');
  let drawn = false;
  let drawing = false;
  let last = null; // the last point the pointer reported
  let mid = null; // where the previous curve ended: the midpoint between the last two points
  let size = { width: 0, height: 0 };

  function setPen() {
    ctx.lineWidth = 2.6;
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.strokeStyle = ctx.fillStyle = '#10161f';
  }

  // The bitmap follows the CSS size times devicePixelRatio, so lines stay sharp on phones.
  function resize() {
    const width = canvas.clientWidth; // the drawing surface inside the border
    const height = canvas.clientHeight;
    if (width === 0 || height === 0 || (width === size.width && height === size.height)) return;
    // At most 2000 × 1000 pixels: the server refuses larger signature images.
    const ratio = Math.min(Math.max(window.devicePixelRatio || 1, 1), 2000 / width, 1000 / height);
    const previous = drawn ? canvas.toDataURL('image/png') : null;
    const old = size;
    size = { width: width, height: height };
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    setPen();
    if (previous) {
      // Resizing wipes the bitmap (e.g. turning the phone): put the drawing back, never stretched.
      const image = new Image();
      const scale = Math.min(1, width / old.width, height / old.height);
      image.addEventListener('load', function () {
        ctx.drawImage(image, 0, 0, old.width * scale, old.height * scale);
      });
      image.src = previous;
    }
  }

  function pointFrom(event) {
    const rect = canvas.getBoundingClientRect();
    return { x: event.clientX - rect.left - canvas.clientLeft, y: event.clientY - rect.top - canvas.clientTop };
  }

  function start(event) {
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    event.preventDefault();
    // Close the on-screen keyboard if the name field still has focus.
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    canvas.setPointerCapture(event.pointerId);
    drawing = true;
    last = pointFrom(event);
    mid = last;
    ctx.beginPath(); // a tap leaves a dot
    ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
    ctx.fill();
    drawn = true;
  }

  // Each segment is a quadratic curve from midpoint to midpoint with the real point as control:
  // smooth lines without sharp corners, even when the pointer reports few points.
  function move(event) {
    if (!drawing) return;
    event.preventDefault();
    const coalesced = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    const events = coalesced.length > 0 ? coalesced : [event];
    for (const e of events) {
      const point = pointFrom(e);
      const next = { x: (last.x + point.x) / 2, y: (last.y + point.y) / 2 };
      ctx.beginPath();
      ctx.moveTo(mid.x, mid.y);
      ctx.quadraticCurveTo(last.x, last.y, next.x, next.y);
      ctx.stroke();
      last = point;
      mid = next;
    }
  }

  function end() {
    if (!drawing) return;
    drawing = false;
    ctx.beginPath();
    ctx.moveTo(mid.x, mid.y);
    ctx.lineTo(last.x, last.y);
    ctx.stroke();
  }

  function clear() {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.restore();
    drawn = false;
    output.value = '';
  }

  area.hidden = false;
  resize();
  window.addEventListener('resize', resize);
  canvas.addEventListener('pointerdown', start);
  canvas.addEventListener('pointermove', move);
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  if (clearButton) clearButton.addEventListener('click', clear);
  form.addEventListener('submit', function () {
    output.value = drawn ? canvas.toDataURL('image/png') : '';
  });
})();
