// The action plans form: choosing a unit shows its focus areas at once; choosing a measure
// shows its scale and the unit's current value beside the target (the page works without this).
(function () {
  'use strict';
  const units = document.getElementById('plan-unit-choice');
  if (units && units.form) {
    units.addEventListener('change', () => units.form.submit());
  }
  const measure = document.getElementById('plan-measure');
  const hint = document.getElementById('target-hint');
  if (!measure || !hint) {
    return;
  }
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (all, key) => values[key] ?? all);
  const update = () => {
    const option = measure.options[measure.selectedIndex];
    if (!option) {
      hint.textContent = '';
      return;
    }
    const parts = [];
    if (option.dataset.scale) {
      parts.push(fill(hint.dataset.scale, {scale: option.dataset.scale}));
    }
    parts.push(option.dataset.now
      ? fill(hint.dataset.now, {value: option.dataset.now, period: option.dataset.period})
      : hint.dataset.none);
    hint.textContent = parts.join(' · ');
  };
  measure.addEventListener('change', update);
})();
