// Draws the comparison page: for each scenario in both runs, the two runs overlaid on a time
// axis that starts at the scenario's own start, and their latency distributions.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('comparison-data').textContent);
  const { chart, format } = window.HarnessCharts;
  const root = document.getElementById('charts');
  const pctTicks = [[1, '0%'], [2, '50%'], [10, '90%'], [100, '99%'], [1000, '99.9%'], [10000, '99.99%']].map(([value, label]) => ({ value, label }));
  for (const s of data.scenarios) {
    const section = document.createElement('section');
    const h = document.createElement('h2');
    h.textContent = s.name;
    section.appendChild(h);
    root.appendChild(section);
    const box = () => { const d = document.createElement('div'); d.className = 'chart'; section.appendChild(d); return d; };
    const x = { unit: 'time', format: v => format(v, 'time') + ' into the scenario' };
    chart(box(), {
      title: 'Requests/s (ok): baseline dashed, candidate solid', x, y: { unit: 'req/s', label: 'requests/s' },
      series: [
        { name: 'baseline', dash: '5 3', color: '#6b7280', points: s.baseline.map(i => [i[0], i[1]]) },
        { name: 'candidate', color: '#2563eb', points: s.candidate.map(i => [i[0], i[1]]) },
      ],
    });
    chart(box(), {
      title: 'Latency p99, log scale', x, y: { unit: 's', log: true, label: 'p99' },
      series: [
        { name: 'baseline', dash: '5 3', color: '#6b7280', points: s.baseline.map(i => [i[0], i[2] ? i[2] / 1000 : null]) },
        { name: 'candidate', color: '#dc2626', points: s.candidate.map(i => [i[0], i[2] ? i[2] / 1000 : null]) },
      ],
    });
    chart(box(), {
      title: 'Latency by percentile', x: { log: true, ticks: pctTicks, format: v => 'p' + (100 * (1 - 1 / v)).toPrecision(6).replace(/\.?0+$/, '') },
      y: { unit: 's', log: true, label: 'latency' },
      series: [
        { name: 'baseline', dash: '5 3', color: '#6b7280', points: s.baselineSpectrum.map(p => [1 / (1 - p[0] / 100), p[1] / 1000]) },
        { name: 'candidate', color: '#16a34a', points: s.candidateSpectrum.map(p => [1 / (1 - p[0] / 100), p[1] / 1000]) },
      ],
    });
  }
  document.body.setAttribute('data-charts', String(document.querySelectorAll('.hc-svg').length));
})();
