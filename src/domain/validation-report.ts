import { COMPONENTS, COMPONENT_WEIGHTS, type FixOutcome, type HealthReport } from './validation.ts';

// The readable report `pulse validate` prints. Pure: times arrive formatted by the caller's
// timezone through `formatTime`.

const LABELS: Record<(typeof COMPONENTS)[number], string> = {
  database_integrity: 'Database integrity',
  data_quality: 'Data quality',
  business_rules: 'Business rules',
  performance: 'Performance',
  freshness: 'Freshness',
};

export function formatHealthReport(
  r: { report: HealthReport; fixes: FixOutcome[]; lastAnalysisAt: Date | null; metricsAt: Date | null; runId: number },
  formatTime: (d: Date) => string,
): string[] {
  const { report } = r;
  const lines = [`System health: ${report.healthScore.toFixed(1)}/100 (${report.status}) — validation run #${r.runId}`, ''];
  for (const c of COMPONENTS) {
    lines.push(`  ${LABELS[c].padEnd(20)} ${report.componentScores[c].toFixed(1).padStart(5)}   (weight ${Math.round(COMPONENT_WEIGHTS[c] * 100)} %)`);
  }
  lines.push('', `Key queries: ${report.timings.map((t) => `${t.name} ${Math.round(t.ms)} ms`).join(', ') || 'not timed'}`);
  lines.push(`Last analysis run: ${r.lastAnalysisAt ? formatTime(r.lastAnalysisAt) : 'never'}; metric cache: ${r.metricsAt ? formatTime(r.metricsAt) : 'never computed'}`);
  lines.push('');
  if (report.issues.length === 0) lines.push('No issues found.');
  else {
    lines.push(`Issues (${report.issues.length}):`);
    for (const i of report.issues) {
      const samples = i.samples.length ? ` — e.g. ${i.samples.slice(0, 5).join(', ')}` : '';
      const fix = i.fix ? ' [fixable with --fix]' : '';
      lines.push(`  ${i.severity.toUpperCase().padEnd(8)} ${i.message}${samples}${fix}`);
    }
  }
  if (report.recommendations.length) {
    lines.push('', 'Recommendations:');
    for (const rec of report.recommendations) lines.push(`  - ${rec}`);
  }
  if (r.fixes.length) {
    lines.push('', 'Fixes applied:');
    for (const f of r.fixes) {
      lines.push(`  ${f.ok ? 'done  ' : 'FAILED'} ${f.fix}${f.affected.length ? ` (${f.affected.join(', ')})` : ''}${f.error ? `: ${f.error}` : ''}`);
    }
  }
  return lines;
}
