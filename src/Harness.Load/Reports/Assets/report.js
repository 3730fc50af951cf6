// Builds the report page from the run's figures embedded in #run-data. No network, no dependencies.
(function () {
  'use strict';
  const run = JSON.parse(document.getElementById('run-data').textContent);
  const { chart, format } = window.HarnessCharts;
  const el = (id) => document.getElementById(id);

  function section(parent, title, note) {
    const s = document.createElement('section');
    const h = document.createElement('h2');
    h.textContent = title;
    s.appendChild(h);
    if (note) { const p = document.createElement('p'); p.className = 'note'; p.textContent = note; s.appendChild(p); }
    parent.appendChild(s);
    return s;
  }

  function box(parent, cls) {
    const d = document.createElement('div');
    d.className = 'chart ' + (cls || '');
    parent.appendChild(d);
    return d;
  }

  // Every time chart shares the run's timeline; scenario starts are marked so a mode's window is visible.
  const markers = run.scenarios.length > 1 ? run.scenarios.map(s => ({ x: s.start, label: s.name })) : [];
  const timeX = { unit: 'time', format: v => 'at ' + format(v, 'time') };

  // Each scenario's drain (its load over, requests still in flight finishing) is shaded: not steady state.
  const drains = run.scenarios.filter(s => s.drain).map(s => ({ from: s.drain[0], to: s.drain[1], label: 'drain ' + s.name, class: 'drain' }));
  const charts = el('charts');

  // One colour per scenario across every chart; its load and p50 lines share it, dashed.
  const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
  const colorOf = s => PALETTE[run.scenarios.indexOf(s) % PALETTE.length];

  // A scenario's last interval is often a fraction of one (requests draining): its rate would be
  // a spike of a few requests over a few milliseconds, so rate charts leave short intervals out.
  const full = s => {
    const durations = s.intervals.map(i => i.d).sort((a, b) => a - b);
    const typical = durations.length ? durations[durations.length >> 1] : 0;
    return s.intervals.filter(i => i.d >= 0.5 * typical);
  };

  const traffic = section(charts, 'Throughput and latency over time',
    'Requests per second answered OK by each scenario (solid), with the load it was under on the right axis (dashed: users in a closed model, requests/s asked for in an open one). Shaded: the drain, after a scenario\'s load ended, when only requests still in flight finish; it is left out of the steady state and the knee.');
  chart(box(traffic), {
    title: 'Requests/s (ok)', x: timeX, y: { unit: 'req/s', label: 'requests/s' }, y2: { unit: '', label: 'load' }, markers, bands: drains,
    series: run.scenarios.flatMap(s => [
      { name: s.name, color: colorOf(s), points: full(s).map(i => [i.t + i.d, i.okRps]) },
      { name: s.name + ' load', color: colorOf(s), axis: 'y2', dash: '4 3', step: true, width: 1.2, points: s.intervals.map(i => [i.t + i.d, i.load]) },
    ]),
  });
  chart(box(traffic), {
    title: 'Latency p99 (solid) and p50 (dashed), log scale', x: timeX, y: { unit: 's', log: true, label: 'latency' }, markers, bands: drains,
    series: run.scenarios.flatMap(s => [
      { name: s.name + ' p99', color: colorOf(s), points: s.intervals.map(i => [i.t + i.d, i.count ? i.p99 / 1000 : null]) },
      { name: s.name + ' p50', color: colorOf(s), dash: '4 3', points: s.intervals.map(i => [i.t + i.d, i.count ? i.p50 / 1000 : null]) },
    ]),
  });
  chart(box(traffic), {
    title: 'Failed and dropped requests/s', x: timeX, y: { unit: 'req/s', label: 'requests/s' }, markers, bands: drains,
    series: run.scenarios.map(s => ({ name: s.name, color: colorOf(s), points: full(s).map(i => [i.t + i.d, (i.fail + i.dropped) / i.d]) })),
  });

  const spectrum = section(charts, 'Latency distribution',
    'Latency at each percentile over the whole run, both axes logarithmic: the right-hand end is the slowest requests. A flat line means predictable; a cliff shows where requests started to queue.');
  const pctTicks = [[1, '0%'], [2, '50%'], [10, '90%'], [100, '99%'], [1000, '99.9%'], [10000, '99.99%'], [100000, '99.999%']].map(([value, label]) => ({ value, label }));
  chart(box(spectrum), {
    title: 'Latency by percentile', x: { log: true, ticks: pctTicks, format: v => 'p' + (100 * (1 - 1 / v)).toPrecision(6).replace(/\.?0+$/, '') },
    y: { unit: 's', log: true, label: 'latency' },
    series: run.scenarios.map(s => ({ name: s.name, color: colorOf(s), points: s.spectrum.filter(p => p.percentile < 100).map(p => [1 / (1 - p.percentile / 100), p.ms / 1000]) })),
  });

  // Steps (Step.Run) measured on their own: where inside an invocation the time went.
  const steps = run.scenarios.flatMap(s => (s.steps || []).map(step => ({ ...step, scenario: s, label: s.name + ' / ' + step.name })));
  if (steps.length) {
    const stepSection = section(charts, 'Steps',
      'Each step of a scenario (Step.Run) on its own: its p99 over time and its latency by percentile, named scenario / step.');
    chart(box(stepSection), {
      title: 'Step latency p99, log scale', x: timeX, y: { unit: 's', log: true, label: 'latency' }, markers, bands: drains,
      series: steps.map(step => ({ name: step.label + ' p99', points: step.intervals.map(i => [i.t + i.d, i.count ? i.p99 / 1000 : null]) })),
    });
    chart(box(stepSection), {
      title: 'Step latency by percentile', x: { log: true, ticks: pctTicks, format: v => 'p' + (100 * (1 - 1 / v)).toPrecision(6).replace(/\.?0+$/, '') },
      y: { unit: 's', log: true, label: 'latency' },
      series: steps.map(step => ({ name: step.label, points: step.spectrum.filter(p => p.percentile < 100).map(p => [1 / (1 - p.percentile / 100), p.ms / 1000]) })),
    });
  }

  if (run.knees && run.knees.length) {
    const knees = section(charts, 'Where each mode stops scaling',
      'Throughput and p99 at each concurrency step, each without its first request duration (the transition). The knee is the last step before throughput grew by less than 10% while p99 grew 1.5× or more; throughput that flattens with p99 flat is a limit elsewhere, not a knee.');
    const userTicks = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].map(value => ({ value, label: String(value) }));
    chart(box(knees), {
      title: 'Requests/s by concurrency', x: { log: true, ticks: userTicks, format: v => v + ' users' }, y: { unit: 'req/s', label: 'requests/s' },
      series: run.knees.map(k => ({ name: k.mode, points: k.steps.map(p => [p.users, p.okRps]) })),
      markers: run.knees.filter(k => k.users).map(k => ({ x: k.users, label: 'knee ' + k.mode })),
    });
    chart(box(knees), {
      title: 'p99 latency by concurrency', x: { log: true, ticks: userTicks, format: v => v + ' users' }, y: { unit: 's', log: true, label: 'p99' },
      series: run.knees.map(k => ({ name: k.mode, points: k.steps.map(p => [p.users, p.p99 ? p.p99 / 1000 : null]) })),
    });
  }

  if (run.servers.length) {
    const servers = section(charts, 'The servers, on the same timeline',
      'Sampled from each service\'s /metrics once per interval. Starvation looks like this: pool threads climbing one or two per second, the queue growing, CPU low and throughput flat. Each point sits where its scrape was answered; a gap is a scrape a starved server did not answer in time, or one not sent because the previous was still unanswered.');
    const serverChart = (title, unit, pick, extra) => chart(box(servers), Object.assign({
      title, x: timeX, y: { unit, label: title.toLowerCase() }, markers, bands: drains,
      series: run.servers.map(s => ({ name: s.name, points: s.samples.map(p => [p.t, p.up ? pick(p) : null]) })),
    }, extra || {}));
    serverChart('Thread-pool threads', '', p => p.poolThreads);
    serverChart('Thread-pool queue length', '', p => p.queueLength);
    serverChart('CPU (cores busy)', '', p => p.cpu);
    serverChart('Working set', 'bytes', p => p.workingSetBytes);
    serverChart('Requests in progress', '', p => p.inFlightRequests);
  }

  if (run.generator.length) {
    const gen = section(charts, 'The load generator',
      'The generator watching itself. If its CPU is high or its queue grows, the figures above describe the generator, not the server.');
    chart(box(gen), {
      title: 'Generator CPU and GC pauses (share of the machine / of the time)', x: timeX, y: { unit: 'percent', label: 'share', min: 0 }, markers, bands: drains,
      series: [
        { name: 'CPU', points: run.generator.map(g => [g.t, g.cpu]) },
        { name: 'GC pauses', points: run.generator.map(g => [g.t, g.gc]) },
      ],
    });
  }

  document.body.setAttribute('data-charts', String(document.querySelectorAll('.hc-svg').length));
})();
