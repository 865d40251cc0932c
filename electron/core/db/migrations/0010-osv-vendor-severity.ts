/**
 * The publisher's own severity word of an OSV advisory (Ubuntu's priority: negligible, low, medium, high,
 * critical), used for the risk score when no CVSS score is known, beside Debian's urgency and Microsoft's.
 */
export const sql = `
ALTER TABLE osv_fixes ADD COLUMN vendor_severity TEXT CHECK (vendor_severity IS NULL OR length(vendor_severity) BETWEEN 1 AND 32);
`;
