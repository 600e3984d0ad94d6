// tandem status page: polls the public GET endpoints of this server and renders them; nothing else is fetched.
'use strict';

const POLL_MS = 1000;
const WINDOW_MS = 5 * 60 * 1000;
const AUDIT_SHOWN = 15;
const BLOCK_PHASES = ['fence', 'drain', 'verify', 'switch', 'total'];
const DASH = '—';

const history = { rate: [], p50: [], p99: [] };
let previousChanges = null;
let previousTableChanges = null;
let migration = null;

// ---- Prometheus text exposition --------------------------------------------------------------

/** Parses Prometheus text into [{name, labels, value}]; NaN stays NaN, +Inf/-Inf become Infinity. */
function parsePrometheus(text) {
  const samples = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = {};
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    let label;
    while ((label = labelPattern.exec(match[3] || '')) !== null) {
      labels[label[1]] = label[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1], labels, value: number(match[4]) });
  }
  return samples;
}

function number(text) {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** The samples of one metric for this migration whose labels include {@code want}. */
function samples(all, name, want) {
  return all.filter(s => s.name === name
      && (s.labels.migration === undefined || s.labels.migration === migration)
      && Object.entries(want || {}).every(([k, v]) => s.labels[k] === v));
}

/** One sample's value, or null when the metric is absent or NaN. */
function metric(all, name, want) {
  const found = samples(all, name, want);
  if (found.length === 0 || Number.isNaN(found[0].value)) return null;
  return found[0].value;
}

/** table label → value for a per-table metric (the {@code all} aggregate left out). */
function perTable(all, name) {
  const out = new Map();
  for (const s of samples(all, name)) {
    if (s.labels.table !== undefined && s.labels.table !== 'all' && !Number.isNaN(s.value)) out.set(s.labels.table, s.value);
  }
  return out;
}

// ---- formatting ------------------------------------------------------------------------------

const present = v => v !== null && v !== undefined && !(typeof v === 'number' && Number.isNaN(v));
const integer = v => present(v) ? Math.round(v).toLocaleString('en-US') : DASH;
const percent = v => present(v) ? (v * 100).toFixed(v >= 1 ? 0 : 1) + ' %' : DASH;

function millis(ms) {
  if (!present(ms)) return DASH;
  if (ms < 1000) return Math.round(ms) + ' ms';
  return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
}

function seconds(s) {
  if (!present(s) || s < 0) return DASH;
  if (s < 120) return Math.round(s) + ' s';
  if (s < 7200) return Math.round(s / 60) + ' min';
  return (s / 3600).toFixed(1) + ' h';
}

function bytes(b) {
  if (!present(b) || b < 0) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return (i === 0 ? b : b.toFixed(1)) + ' ' + units[i];
}

/** Sets an element's text and its machine-readable {@code data-value} (empty when unknown). */
function show(id, value, format, cssClass) {
  const el = document.getElementById(id);
  el.textContent = present(value) ? (format ? format(value) : String(value)) : DASH;
  el.dataset.value = present(value) ? String(value) : '';
  el.className = cssClass || '';
}

function cell(row, text, cssClass) {
  const td = document.createElement('td');
  td.textContent = present(text) && text !== '' ? String(text) : DASH;
  if (cssClass) td.className = cssClass;
  row.appendChild(td);
  return td;
}

function replaceRows(tbody, rows, columns) {
  tbody.replaceChildren();
  if (rows.length === 0) {
    const tr = tbody.insertRow();
    const td = cell(tr, DASH, 'none');
    td.colSpan = columns;
    return;
  }
  rows.forEach(r => tbody.appendChild(r));
}

// ---- fetching --------------------------------------------------------------------------------

async function fetchOne(path, kind) {
  const response = await fetch(path, { cache: 'no-store', headers: { Accept: kind === 'text' ? 'text/plain' : 'application/json' } });
  if (response.status === 404) return { absent: true };
  if (!response.ok) {
    let detail = '';
    try { detail = (await response.json()).error || ''; } catch (ignored) { /* not JSON */ }
    throw new Error(path + ': HTTP ' + response.status + (detail ? ' — ' + detail : ''));
  }
  return { body: kind === 'text' ? await response.text() : await response.json() };
}

async function findMigration() {
  const fromQuery = new URLSearchParams(location.search).get('migration');
  if (fromQuery) return fromQuery;
  const listing = await fetchOne('api/v1/migrations', 'json');
  if (listing.absent || !listing.body.migrations || listing.body.migrations.length === 0) {
    throw new Error('this server lists no migration: open the page with ?migration=NAME');
  }
  return listing.body.migrations[0];
}

async function refresh() {
  const base = 'api/v1/migrations/' + encodeURIComponent(migration) + '/';
  const names = ['status', 'route', 'audit', 'verification', 'metrics'];
  const results = await Promise.allSettled([
    fetchOne(base + 'status', 'json'), fetchOne(base + 'route', 'json'), fetchOne(base + 'audit', 'json'),
    fetchOne(base + 'verification', 'json'), fetchOne('metrics', 'text')]);
  const errors = [];
  const got = {};
  results.forEach((r, i) => {
    if (r.status === 'rejected') errors.push(r.reason.message || String(r.reason));
    else if (!r.value.absent) got[names[i]] = r.value.body;
  });
  if (results[0].status === 'fulfilled' && results[0].value.absent) {
    errors.push('the target database holds no migration "' + migration + '" yet');
  }
  const metrics = got.metrics !== undefined ? parsePrometheus(got.metrics) : [];
  render(got.status || null, got.route || null, got.audit || null, got.verification || null, metrics,
      got.metrics !== undefined, errors);
  showErrors(errors);
}

function showErrors(errors) {
  const list = document.getElementById('errors');
  list.replaceChildren(...errors.map(e => { const li = document.createElement('li'); li.textContent = e; return li; }));
  if (errors.length === 0) document.getElementById('last-update').textContent = new Date().toLocaleTimeString('en-GB');
}

// ---- rendering -------------------------------------------------------------------------------

/** Renders every part; a part that fails is named in the errors and the others still update. */
function render(status, route, audit, verification, metrics, haveMetrics, errors) {
  const parts = {
    headline: () => renderHeadline(route, metrics, haveMetrics),
    apply: () => renderApply(status, metrics),
    backfill: () => renderBackfill(status, metrics),
    verification: () => renderVerification(verification, metrics),
    tables: () => renderTables(status, verification, metrics),
    paused: () => renderPaused(status),
    'write block': () => renderWriteBlock(metrics),
    audit: () => renderAudit(audit),
    decisions: () => renderDecisions(status),
    charts: () => {
      drawChart('chart-rate', [{ points: history.rate, css: 'series' }]);
      drawChart('chart-lag', [{ points: history.p50, css: 'series' }, { points: history.p99, css: 'series p99' }]);
    }};
  for (const [name, part] of Object.entries(parts)) {
    try {
      part();
    } catch (e) {
      errors.push('cannot show the ' + name + ' part: ' + (e.message || String(e)));
    }
  }
}

function renderHeadline(route, metrics, haveMetrics) {
  show('phase', route && route.phase);
  show('route', route && route.route, null, route ? (route.route === 'new' ? 'state-ok' : '') : '');
  const failed = metric(metrics, 'tandem_pipeline_failed');
  show('pipeline-state', haveMetrics && failed !== null ? (failed > 0 ? 'failed' : 'running') : null, null,
      failed === null ? '' : (failed > 0 ? 'state-bad' : 'state-ok'));
  show('sync-direction', haveMetrics ? syncDirection(metrics) : null);
}

function renderApply(status, metrics) {
  const now = Date.now();
  const changes = metric(metrics, 'tandem_apply_changes_total');
  let rate = null;
  if (changes !== null && previousChanges !== null && changes >= previousChanges.value && now > previousChanges.at) {
    rate = (changes - previousChanges.value) * 1000 / (now - previousChanges.at);
  }
  if (changes !== null) previousChanges = { value: changes, at: now };
  const p50 = metric(metrics, 'tandem_apply_lag_seconds', { quantile: '0.5' });
  const p99 = metric(metrics, 'tandem_apply_lag_seconds', { quantile: '0.99' });
  show('changes-applied', changes, integer);
  show('apply-rate', rate, v => integer(v) + ' /s');
  show('transactions-applied', metric(metrics, 'tandem_apply_transactions_total'), integer);
  show('lag-p50', p50 === null ? null : p50 * 1000, millis);
  show('lag-p99', p99 === null ? null : p99 * 1000, millis);
  show('envelopes-captured', metric(metrics, 'tandem_capture_envelopes_total'), integer);
  const applied = status && status.applied;
  show('last-apply-delay', applied && applied.last_apply_delay_ms, millis);
  show('applied-position', applied && applied.after_commit);
  show('last-source-commit', applied && applied.last_source_commit);
  record(history.rate, now, rate);
  record(history.p50, now, p50 === null ? null : p50 * 1000);
  record(history.p99, now, p99 === null ? null : p99 * 1000);
}

function record(series, at, value) {
  if (present(value)) series.push({ at, value });
  while (series.length > 0 && series[0].at < at - WINDOW_MS) series.shift();
}

function renderBackfill(status, metrics) {
  const copiedByTable = perTable(metrics, 'tandem_backfill_rows_copied_total');
  const estimatedByTable = perTable(metrics, 'tandem_backfill_rows_estimated');
  const fromStatus = status ? status.backfill.reduce((sum, t) => sum + (t.rows_copied || 0), 0) : null;
  const copied = copiedByTable.size > 0 ? sum(copiedByTable) : (fromStatus !== null ? fromStatus : metric(metrics, 'tandem_backfill_rows'));
  const estimated = estimatedByTable.size > 0 ? sum(estimatedByTable) : null;
  const done = status ? status.backfill_done : null;
  show('backfill-state', done === null ? null : (done ? 'done' : 'copying'), null, done ? 'state-ok' : 'state-warn');
  show('backfill-rows', copied, integer);
  const fraction = done ? 1 : (estimated > 0 && copied !== null ? Math.min(1, copied / estimated) : null);
  const bar = document.getElementById('backfill-progress');
  if (fraction === null) bar.removeAttribute('value'); else bar.value = fraction;
  show('backfill-percent', fraction, percent);
  show('backfill-rate', metric(metrics, 'tandem_backfill_rows_per_second', { table: 'all' }), v => integer(v) + ' rows/s');
  show('backfill-eta', done ? 0 : metric(metrics, 'tandem_backfill_eta_seconds', { table: 'all' }), seconds);
  show('slot-wal-retained', metric(metrics, 'tandem_slot_wal_retained_bytes', { slot: 'forward' }), slotBytes);
  show('slot-wal-retained-reverse', metric(metrics, 'tandem_slot_wal_retained_bytes', { slot: 'reverse' }), slotBytes);
}

function slotBytes(value) {
  return value < 0 ? 'no slot' : bytes(value);
}

function syncDirection(metrics) {
  if (metric(metrics, 'tandem_sync_direction', { direction: 'forward' }) === 1) return 'forward (legacy → new)';
  if (metric(metrics, 'tandem_sync_direction', { direction: 'reverse' }) === 1) return 'reverse (new → legacy)';
  return metrics ? 'stopped' : null;
}

function sum(map) {
  let total = 0;
  map.forEach(v => { total += v; });
  return total;
}

function renderVerification(verification, metrics) {
  const fractions = perTable(metrics, 'tandem_verified_fraction');
  const drifted = perTable(metrics, 'tandem_drifted_rows');
  const coverage = fractions.size > 0 ? Math.min(...fractions.values()) : null;
  const driftedTotal = drifted.size > 0 ? sum(drifted)
      : (verification && verification.tables && verification.tables.length > 0
          ? verification.tables.reduce((s, t) => s + (t.drifted_rows || 0), 0) : null);
  show('verified-fraction', coverage, percent, coverage === 1 ? 'state-ok' : '');
  show('drifted-rows', driftedTotal, integer, driftedTotal > 0 ? 'state-bad' : (driftedTotal === 0 ? 'state-ok' : ''));
  let pass = null;
  if (verification && verification.pass_id !== null && verification.pass_id !== undefined) {
    pass = '#' + verification.pass_id + ' ' + (verification.pass_finished_at
        ? (verification.pass_consistent ? 'consistent' : 'differences found') + ', finished ' + verification.pass_finished_at
        : 'running since ' + verification.pass_started_at);
  }
  show('verification-pass', pass, null, verification && verification.pass_finished_at
      ? (verification.pass_consistent ? 'state-ok' : 'state-bad') : '');
  show('verification-clean', verification && verification.last_clean_pass_at);
}

function renderTables(status, verification, metrics) {
  const rows = new Map();
  const row = name => { if (!rows.has(name)) rows.set(name, { name }); return rows.get(name); };
  if (status) {
    status.backfill.forEach(t => { row(t.target_table).copied = t.rows_copied; });
    status.paused.forEach(t => { Object.assign(row(t.target_table), { state: t.state, parked: t.parked_changes }); });
  }
  if (verification && verification.tables) verification.tables.forEach(t => { row(t.table).driftedRecorded = t.drifted_rows; });
  const now = Date.now();
  const applied = perTable(metrics, 'tandem_apply_table_changes_total');
  applied.forEach((value, table) => {
    const t = row(table);
    t.applied = value;
    const before = previousTableChanges === null ? undefined : previousTableChanges.values.get(table);
    if (before !== undefined && value >= before && now > previousTableChanges.at) {
      t.rate = (value - before) * 1000 / (now - previousTableChanges.at);
    }
  });
  if (applied.size > 0) previousTableChanges = { values: applied, at: now };
  const metricColumns = {
    copiedMetric: 'tandem_backfill_rows_copied_total', estimated: 'tandem_backfill_rows_estimated',
    eta: 'tandem_backfill_eta_seconds', verified: 'tandem_verified_fraction', drifted: 'tandem_drifted_rows',
    verificationAge: 'tandem_reconciliation_lag_seconds'};
  for (const [key, name] of Object.entries(metricColumns)) {
    perTable(metrics, name).forEach((value, table) => { row(table)[key] = value; });
  }
  const body = document.getElementById('tables-body');
  const done = status && status.backfill_done;
  replaceRows(body, [...rows.values()].sort((a, b) => a.name.localeCompare(b.name)).map(t => {
    const tr = document.createElement('tr');
    tr.id = 'table-' + t.name;
    tr.dataset.table = t.name;
    cell(tr, t.name, 'name');
    const paused = t.state !== undefined && t.state !== 'ACTIVE';
    cell(tr, paused ? t.state.toLowerCase() : 'streaming', paused ? 'state state-bad' : 'state state-ok');
    cell(tr, present(t.applied) ? integer(t.applied) : null, 'changes-applied').dataset.value = present(t.applied) ? t.applied : '';
    cell(tr, present(t.rate) ? integer(t.rate) + ' /s' : null, 'rate');
    const copied = present(t.copiedMetric) ? t.copiedMetric : t.copied;
    cell(tr, present(copied) ? integer(copied) : null, 'backfill-rows').dataset.value = present(copied) ? copied : '';
    const fraction = done ? 1 : (t.estimated > 0 && present(copied) ? Math.min(1, copied / t.estimated) : null);
    cell(tr, percent(fraction), 'backfill-percent');
    cell(tr, done ? DASH : seconds(t.eta), 'backfill-eta');
    cell(tr, percent(t.verified), 'verified');
    const drifted = present(t.drifted) ? t.drifted : t.driftedRecorded;
    cell(tr, present(drifted) ? integer(drifted) : null, drifted > 0 ? 'drifted state-bad' : 'drifted');
    cell(tr, seconds(t.verificationAge), 'verification-age');
    cell(tr, present(t.parked) ? integer(t.parked) : null, 'parked');
    return tr;
  }), 11);
}

function renderPaused(status) {
  const list = document.getElementById('paused-list');
  const paused = status ? status.paused.filter(t => t.state !== 'ACTIVE') : [];
  list.replaceChildren();
  if (paused.length === 0) {
    const li = document.createElement('li');
    li.className = 'none';
    li.textContent = status ? 'none' : DASH;
    list.appendChild(li);
    return;
  }
  for (const t of paused) {
    const li = document.createElement('li');
    li.dataset.table = t.target_table;
    const head = document.createElement('strong');
    head.textContent = t.target_table + ' — ' + t.state.toLowerCase() + ' since ' + t.changed_at + ', '
        + t.parked_changes + ' parked change' + (t.parked_changes === 1 ? '' : 's');
    const reason = document.createElement('span');
    reason.className = 'reason';
    reason.textContent = t.reason || '';
    li.append(head, reason);
    list.appendChild(li);
  }
}

function renderWriteBlock(metrics) {
  for (const operation of ['cutover', 'rollback']) {
    for (const phase of BLOCK_PHASES) {
      show('wb-' + operation + '-' + phase, metric(metrics, 'tandem_write_block_last_ms', { operation, phase }), integer);
    }
  }
}

function renderAudit(audit) {
  const entries = audit ? audit.entries.slice(0, AUDIT_SHOWN) : [];
  replaceRows(document.getElementById('audit-list'), entries.map(e => {
    const tr = document.createElement('tr');
    tr.dataset.id = e.id;
    cell(tr, e.id);
    cell(tr, e.at);
    cell(tr, e.actor);
    cell(tr, e.action, 'action');
    cell(tr, e.fromPhase || e.toPhase ? (e.fromPhase || '') + ' → ' + (e.toPhase || '') : null);
    cell(tr, e.detail, 'detail');
    return tr;
  }), 6);
}

function renderDecisions(status) {
  const decisions = status ? status.recent_decisions : [];
  replaceRows(document.getElementById('decisions-list'), decisions.map(d => {
    const tr = document.createElement('tr');
    cell(tr, d.decided_at);
    cell(tr, d.target_table);
    cell(tr, d.decision);
    cell(tr, d.decided_by);
    cell(tr, d.detail);
    return tr;
  }), 5);
}

// ---- charts (inline SVG) ---------------------------------------------------------------------

const SVG = 'http://www.w3.org/2000/svg';
const CHART = { width: 600, height: 160, left: 48, right: 8, top: 8, bottom: 20 };

function svg(tag, attributes, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Draws each series as a polyline over the last five minutes, scaled to the largest value shown. */
function drawChart(id, series) {
  const chart = document.getElementById(id);
  const now = Date.now();
  const max = Math.max(1, ...series.flatMap(s => s.points.map(p => p.value)));
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const x = at => CHART.left + plotWidth * (1 - (now - at) / WINDOW_MS);
  const y = v => CHART.top + plotHeight * (1 - v / max);
  const parts = [
    svg('line', { class: 'axis', x1: CHART.left, y1: CHART.top, x2: CHART.left, y2: CHART.top + plotHeight }),
    svg('line', { class: 'axis', x1: CHART.left, y1: CHART.top + plotHeight, x2: CHART.width - CHART.right, y2: CHART.top + plotHeight }),
    svg('text', { class: 'tick', x: CHART.left - 4, y: CHART.top + 10, 'text-anchor': 'end' }, integer(max)),
    svg('text', { class: 'tick', x: CHART.left - 4, y: CHART.top + plotHeight, 'text-anchor': 'end' }, '0'),
    svg('text', { class: 'tick', x: CHART.left, y: CHART.height - 4 }, '−5 min'),
    svg('text', { class: 'tick', x: CHART.width - CHART.right, y: CHART.height - 4, 'text-anchor': 'end' }, 'now')];
  for (const s of series) {
    if (s.points.length === 0) continue;
    const points = s.points.map(p => x(p.at).toFixed(1) + ',' + y(p.value).toFixed(1)).join(' ');
    const line = svg('polyline', { class: s.css, points });
    line.dataset.points = String(s.points.length);
    line.dataset.last = String(s.points[s.points.length - 1].value);
    parts.push(line);
  }
  chart.replaceChildren(...parts);
}

// ---- start -----------------------------------------------------------------------------------

async function loop() {
  try {
    await refresh();
  } catch (e) {
    showErrors([e.message || String(e)]);
  }
  setTimeout(loop, POLL_MS);
}

async function start() {
  document.getElementById('poll-interval').textContent = (POLL_MS / 1000) + ' s';
  while (migration === null) {
    try {
      migration = await findMigration();
    } catch (e) {
      showErrors([e.message || String(e)]);
      await new Promise(resolve => setTimeout(resolve, POLL_MS));
    }
  }
  document.getElementById('migration-name').textContent = migration;
  document.title = 'tandem · ' + migration;
  loop();
}

start();
