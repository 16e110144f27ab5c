// "Alle markieren" on the attendance list: one check box in the list's head ticks or clears
// every row shown, and shows whether all, some or none are ticked. Nothing is saved until the
// organizer saves. Without this script the box stays hidden, and the button that marks every
// row shown does the same on the server.
(function () {
  'use strict';
  var form = document.querySelector('[data-attendance]');
  var holder = form && form.querySelector('[data-select-all]');
  if (!holder) {
    return;
  }
  var all = holder.querySelector('input[type="checkbox"]');
  var rows = Array.prototype.slice.call(form.querySelectorAll('input[name="present"]'));
  if (!all || rows.length === 0) {
    return;
  }

  function ticked() {
    return rows.filter(function (row) { return row.checked; }).length;
  }

  function reflect() {
    var n = ticked();
    all.checked = n === rows.length;
    all.indeterminate = n > 0 && n < rows.length;
  }

  all.addEventListener('change', function () {
    rows.forEach(function (row) { row.checked = all.checked; });
    reflect();
  });
  rows.forEach(function (row) { row.addEventListener('change', reflect); });
  holder.hidden = false;
  reflect();
}());
