/** The reports' CSV: the shared rules (shared/csv.ts), so a report and a page's export quote and guard alike. */
export { csvCell, toCsv, type Cell } from '../../../shared/csv';
