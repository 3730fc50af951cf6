// Harness charts: small interactive SVG line charts for the offline HTML report.
// No dependencies and no network: the report must render from a mailed file.
(function (global) {
  'use strict';

  const SVG = 'http://www.w3.org/2000/svg';
  const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563', '#65a30d', '#9333ea'];

  function svg(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const key in attrs) node.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function html(name, attrs, parent, text) {
    const node = document.createElement(name);
    for (const key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  // Values are formatted by unit so every axis and tooltip says what it measures.
  function format(value, unit) {
    if (value === null || value === undefined || Number.isNaN(value)) return '–';
    const abs = Math.abs(value);
    switch (unit) {
      case 's':
        if (abs === 0) return '0';
        if (abs < 1e-3) return (value * 1e6).toFixed(abs < 1e-5 ? 1 : 0) + ' µs';
        if (abs < 1) return (value * 1e3).toFixed(abs < 0.01 ? 2 : abs < 0.1 ? 1 : 0) + ' ms';
        return value.toFixed(abs < 10 ? 2 : 1) + ' s';
      case 'bytes': {
        const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
        let scaled = value, i = 0;
        while (Math.abs(scaled) >= 1024 && i < units.length - 1) { scaled /= 1024; i++; }
        return scaled.toFixed(i === 0 ? 0 : 1) + ' ' + units[i];
      }
      case 'percent': return (value * 100).toFixed(abs < 0.1 ? 2 : 1) + '%';
      case 'time': {
        const total = Math.round(value), m = Math.floor(total / 60), sec = total % 60;
        return m + ':' + String(sec).padStart(2, '0');
      }
      default: {
        const suffix = unit ? ' ' + unit : '';
        if (abs >= 1e6) return (value / 1e6).toFixed(1) + 'M' + suffix;
        if (abs >= 1e4) return (value / 1e3).toFixed(1) + 'k' + suffix;
        if (abs >= 100 || Number.isInteger(value)) return Math.round(value) + suffix;
        return value.toFixed(abs >= 10 ? 1 : 2) + suffix;
      }
    }
  }

  // Steps of 1, 2 or 5 times a power of ten; for bytes, of a power of 1024 (so ticks read 64 MiB, not 67.1 MB).
  function niceStep(span, count, unit) {
    const raw = span / Math.max(1, count);
    if (unit === 'bytes' && raw >= 1) {
      const scale = Math.pow(1024, Math.floor(Math.log(raw) / Math.log(1024)));
      return niceStep(raw / scale * count, count) * scale;
    }
    const power = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / power;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * power;
  }

  function linearAxis(min, max, count, zeroBased, unit) {
    if (zeroBased && min > 0) min = 0;
    if (min === max) { max = min === 0 ? 1 : min + Math.abs(min) * 0.1; }
    const step = niceStep(max - min, count, unit);
    const lo = Math.floor(min / step) * step, hi = Math.ceil(max / step) * step, ticks = [];
    for (let v = lo; v <= hi + step / 2; v += step) ticks.push({ value: +v.toPrecision(12) });
    return { min: lo, max: hi, ticks, map: (v, a, b) => a + (v - lo) / (hi - lo) * (b - a), invert: (p, a, b) => lo + (p - a) / (b - a) * (hi - lo) };
  }

  function logAxis(min, max, exact) {
    min = Math.max(min, 1e-9);
    const lo = exact ? Math.log10(min) : Math.floor(Math.log10(min));
    const hi = exact ? Math.max(lo + 1e-9, Math.log10(max)) : Math.max(lo + 1, Math.ceil(Math.log10(max)));
    const ticks = [];
    for (let e = Math.ceil(lo); e <= hi; e++) ticks.push({ value: Math.pow(10, e) });
    return {
      min: Math.pow(10, lo), max: Math.pow(10, hi), ticks, log: true,
      map: (v, a, b) => a + (Math.log10(Math.max(v, 1e-12)) - lo) / (hi - lo) * (b - a),
      invert: (p, a, b) => Math.pow(10, lo + (p - a) / (b - a) * (hi - lo)),
    };
  }

  function extent(series, pick, positiveOnly) {
    let min = Infinity, max = -Infinity;
    for (const s of series) for (const p of s.points) {
      const v = pick(p);
      if (v === null || v === undefined || Number.isNaN(v) || (positiveOnly && v <= 0)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return min === Infinity ? null : [min, max];
  }

  // Index of the point whose x is nearest to x (points sorted by x).
  function nearest(points, x) {
    let lo = 0, hi = points.length - 1;
    if (hi < 0) return -1;
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (points[mid][0] < x) lo = mid; else hi = mid; }
    return Math.abs(points[lo][0] - x) <= Math.abs(points[hi][0] - x) ? lo : hi;
  }

  /**
   * Draws a chart into container. spec: { title, height, x: {unit, log, ticks:[{value,label}], label},
   * y: {unit, log, label, min, max}, y2: {unit, label} (optional), series: [{name, points:[[x,y|null]],
   * color, dash, axis:'y2', step, width}], markers: [{x, label}], bands: [{from, to, label, class}] }.
   * Bands shade a stretch of the x axis behind the lines (the report's drains).
   */
  function chart(container, spec) {
    const hidden = new Set(spec.series.filter(s => s.hidden).map(s => s.name));
    const colors = new Map(spec.series.map((s, i) => [s.name, s.color || PALETTE[i % PALETTE.length]]));
    container.classList.add('hc');
    container.innerHTML = '';
    if (spec.title) html('div', { class: 'hc-title' }, container, spec.title);
    const plot = html('div', { class: 'hc-plot' }, container);
    const tooltip = html('div', { class: 'hc-tooltip', role: 'status' }, plot);
    const legend = html('div', { class: 'hc-legend' }, container);

    function draw() {
      const width = Math.max(320, plot.clientWidth || 640), height = spec.height || 240;
      const visible = spec.series.filter(s => !hidden.has(s.name));
      const left = visible.filter(s => s.axis !== 'y2'), right = visible.filter(s => s.axis === 'y2');
      const margin = { top: 10, right: spec.y2 ? 62 : 16, bottom: 30, left: 62 };
      const x0 = margin.left, x1 = width - margin.right, y0 = height - margin.bottom, y1 = margin.top;

      const xs = extent(visible.length ? visible : spec.series, p => p[0], !!(spec.x && spec.x.log)) || [0, 1];
      const xAxis = spec.x && spec.x.log ? logAxis(xs[0], xs[1], true) : linearAxis(xs[0], xs[1], Math.max(2, Math.floor(width / 90)), false);
      if (!(spec.x && spec.x.log)) { xAxis.min = xs[0]; xAxis.max = xs[1] > xs[0] ? xs[1] : xs[0] + 1; xAxis.ticks = xAxis.ticks.filter(t => t.value >= xAxis.min && t.value <= xAxis.max); const lo = xAxis.min, hi = xAxis.max; xAxis.map = (v, a, b) => a + (v - lo) / (hi - lo) * (b - a); xAxis.invert = (p, a, b) => lo + (p - a) / (b - a) * (hi - lo); }
      const yAxis = makeY(spec.y || {}, left, height);
      const y2Axis = spec.y2 ? makeY(spec.y2, right, height) : null;

      plot.querySelectorAll('svg').forEach(n => n.remove());
      const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'hc-svg', role: 'img', 'aria-label': spec.title || 'chart' });
      plot.insertBefore(root, tooltip);

      const grid = svg('g', { class: 'hc-grid' }, root);
      for (const t of yAxis.ticks) {
        const y = yAxis.map(t.value, y0, y1);
        svg('line', { x1: x0, x2: x1, y1: y, y2: y }, grid);
        svg('text', { x: x0 - 6, y: y + 4, 'text-anchor': 'end', class: 'hc-tick' }, root).textContent = t.label || format(t.value, (spec.y || {}).unit);
      }
      if (y2Axis) for (const t of y2Axis.ticks) {
        svg('text', { x: x1 + 6, y: y2Axis.map(t.value, y0, y1) + 4, class: 'hc-tick' }, root).textContent = t.label || format(t.value, spec.y2.unit);
      }
      const xTicks = spec.x && spec.x.ticks ? spec.x.ticks.filter(t => t.value >= xAxis.min && t.value <= xAxis.max) : xAxis.ticks;
      for (const t of xTicks) {
        const x = xAxis.map(t.value, x0, x1);
        svg('line', { x1: x, x2: x, y1: y0, y2: y1 }, grid);
        const anchor = x > x1 - 24 ? 'end' : x < x0 + 24 ? 'start' : 'middle';
        svg('text', { x, y: y0 + 18, 'text-anchor': anchor, class: 'hc-tick' }, root).textContent = t.label || format(t.value, (spec.x || {}).unit);
      }
      svg('line', { x1: x0, x2: x1, y1: y0, y2: y0, class: 'hc-axis' }, root);
      if (spec.y && spec.y.label) svg('text', { x: 12, y: (y0 + y1) / 2, transform: `rotate(-90 12 ${(y0 + y1) / 2})`, 'text-anchor': 'middle', class: 'hc-label' }, root).textContent = spec.y.label;
      if (spec.y2 && spec.y2.label) svg('text', { x: width - 8, y: (y0 + y1) / 2, transform: `rotate(90 ${width - 8} ${(y0 + y1) / 2})`, 'text-anchor': 'middle', class: 'hc-label' }, root).textContent = spec.y2.label;

      for (const b of spec.bands || []) {
        const from = Math.max(b.from, xAxis.min), to = Math.min(b.to, xAxis.max);
        if (!(to > from)) continue;
        const xa = xAxis.map(from, x0, x1), xb = xAxis.map(to, x0, x1);
        const band = svg('rect', { x: xa, y: y1, width: Math.max(1, xb - xa), height: Math.max(0, y0 - y1), class: 'hc-band ' + (b.class || '') }, root);
        if (b.label) {
          svg('title', {}, band).textContent = b.label;
          if (xb - xa > 40) svg('text', { x: xa + 3, y: y0 - 4, class: 'hc-band-label' }, root).textContent = b.label;
        }
      }

      for (const m of spec.markers || []) {
        if (m.x < xAxis.min || m.x > xAxis.max) continue;
        const x = xAxis.map(m.x, x0, x1);
        svg('line', { x1: x, x2: x, y1: y0, y2: y1, class: 'hc-marker' }, root);
        svg('text', { x: x + 3, y: y1 + 10, class: 'hc-marker-label' }, root).textContent = m.label;
      }

      for (const s of visible) {
        const axis = s.axis === 'y2' && y2Axis ? y2Axis : yAxis;
        let d = '', pen = false, prevY = null;
        for (const [x, y] of s.points) {
          if (y === null || y === undefined || Number.isNaN(y) || (axis.log && y <= 0)) { pen = false; continue; }
          const px = xAxis.map(x, x0, x1).toFixed(1), py = axis.map(y, y0, y1).toFixed(1);
          if (s.step && pen) d += `L${px},${prevY}`;
          d += (pen ? 'L' : 'M') + px + ',' + py;
          pen = true; prevY = py;
        }
        svg('path', { d, class: 'hc-line', stroke: colors.get(s.name), 'stroke-width': s.width || 1.8, 'stroke-dasharray': s.dash || 'none' }, root);
      }

      const cursor = svg('line', { y1: y0, y2: y1, class: 'hc-cursor', visibility: 'hidden' }, root);
      const dots = svg('g', {}, root);
      const overlay = svg('rect', { x: x0, y: y1, width: Math.max(0, x1 - x0), height: Math.max(0, y0 - y1), class: 'hc-overlay' }, root);
      overlay.addEventListener('mouseleave', () => { cursor.setAttribute('visibility', 'hidden'); dots.innerHTML = ''; tooltip.style.display = 'none'; });
      overlay.addEventListener('mousemove', event => {
        const box = root.getBoundingClientRect(), px = event.clientX - box.left;
        const x = xAxis.invert(px, x0, x1);
        let anchor = null;
        const rows = [];
        dots.innerHTML = '';
        for (const s of visible) {
          const i = nearest(s.points, x);
          if (i < 0) continue;
          const [sx, sy] = s.points[i];
          anchor = anchor === null ? sx : anchor;
          const axis = s.axis === 'y2' && y2Axis ? y2Axis : yAxis, unit = s.axis === 'y2' && spec.y2 ? spec.y2.unit : (spec.y || {}).unit;
          rows.push([s.name, format(sy, unit), colors.get(s.name)]);
          if (sy !== null && sy !== undefined && !(axis.log && sy <= 0)) svg('circle', { cx: xAxis.map(sx, x0, x1), cy: axis.map(sy, y0, y1), r: 3, fill: colors.get(s.name) }, dots);
        }
        if (anchor === null) return;
        const cx = xAxis.map(anchor, x0, x1);
        cursor.setAttribute('x1', cx); cursor.setAttribute('x2', cx); cursor.setAttribute('visibility', 'visible');
        const xLabel = spec.x && spec.x.format ? spec.x.format(anchor) : format(anchor, (spec.x || {}).unit);
        tooltip.innerHTML = '';
        html('div', { class: 'hc-tooltip-x' }, tooltip, xLabel);
        for (const [name, value, color] of rows) {
          const row = html('div', {}, tooltip);
          html('span', { class: 'hc-swatch', style: `background:${color}` }, row);
          html('span', {}, row, `${name}: ${value}`);
        }
        tooltip.style.display = 'block';
        tooltip.style.left = Math.min(cx + 12, width - tooltip.offsetWidth - 4) + 'px';
        tooltip.style.top = (y1 + 4) + 'px';
      });
    }

    function makeY(axisSpec, series, height) {
      const ys = extent(series, p => p[1], !!axisSpec.log) || [0, 1];
      const min = axisSpec.min !== undefined ? axisSpec.min : ys[0], max = axisSpec.max !== undefined ? axisSpec.max : ys[1];
      return axisSpec.log ? logAxis(min, max, false) : linearAxis(min, max, Math.max(2, Math.floor(height / 50)), axisSpec.min === undefined, axisSpec.unit);
    }

    for (const s of spec.series) {
      const item = html('button', { type: 'button', class: 'hc-legend-item', 'aria-pressed': String(!hidden.has(s.name)) }, legend);
      html('span', { class: 'hc-swatch', style: `background:${colors.get(s.name)}` }, item);
      html('span', {}, item, s.name);
      item.addEventListener('click', () => {
        if (hidden.has(s.name)) hidden.delete(s.name); else hidden.add(s.name);
        item.setAttribute('aria-pressed', String(!hidden.has(s.name)));
        draw();
      });
    }

    draw();
    let pending = 0;
    global.addEventListener('resize', () => { clearTimeout(pending); pending = setTimeout(draw, 120); });
    return { redraw: draw };
  }

  global.HarnessCharts = { chart, format };
})(window);
