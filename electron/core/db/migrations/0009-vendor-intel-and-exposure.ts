/**
 * Vendor intelligence beyond KEV and EPSS, and how exposed a machine is.
 * - osv_fixes: OSV advisories (Debian DSA/DLA, Ubuntu USN…), one row per (advisory, CVE, affected package);
 *   imports merge by advisory, since OSV comes one advisory per file or as a zip of them.
 * - debian_tracker: the Debian security tracker's (package, CVE, release) triples; a dump replaces it whole.
 * - msrc_cves: one row per CVE from Microsoft's monthly CVRF documents; a month merges into the months before.
 * - hosts.exposed and tag_profiles: a machine can be marked exposed (reachable from outside), and a tag can
 *   carry a criticality and the exposed flag for all its machines; the highest applies.
 * - Windows machines: how Patchwell reaches a machine (SSH or WinRM, the WinRM port, HTTPS, and the server
 *   certificate's SHA-256 pinned on first use), and a note on an update the user must read before approving
 *   ("cannot be uninstalled").
 * - pending_updates.cve_list: the update's CVE ids, sorted and comma-joined, kept by triggers on advisories,
 *   so the Patches page can group alike updates without a correlated lookup per row.
 */
export const sql = `
CREATE TABLE osv_fixes (
  advisory_id TEXT NOT NULL,
  cve_id TEXT NOT NULL CHECK (cve_id GLOB 'CVE-[0-9][0-9][0-9][0-9]-[0-9]*'),
  ecosystem TEXT NOT NULL,
  package TEXT NOT NULL,
  fixed_version TEXT,
  published_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL,
  cvss_vector TEXT,
  cvss_version TEXT CHECK (cvss_version IN ('2.0','3.0','3.1','4.0')),
  cvss_score REAL CHECK (cvss_score BETWEEN 0 AND 10),
  PRIMARY KEY (advisory_id, cve_id, ecosystem, package)
) STRICT, WITHOUT ROWID;
CREATE INDEX osv_fixes_cve ON osv_fixes (cve_id);

CREATE TABLE debian_tracker (
  cve_id TEXT NOT NULL,
  release TEXT NOT NULL,
  package TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('resolved','open','undetermined')),
  fixed_version TEXT,
  urgency TEXT NOT NULL,
  PRIMARY KEY (cve_id, release, package)
) STRICT, WITHOUT ROWID;

CREATE TABLE msrc_cves (
  cve_id TEXT PRIMARY KEY CHECK (cve_id GLOB 'CVE-[0-9][0-9][0-9][0-9]-[0-9]*'),
  title TEXT NOT NULL,
  severity TEXT CHECK (severity IN ('Critical','Important','Moderate','Low')),
  cvss_base REAL CHECK (cvss_base BETWEEN 0 AND 10),
  kbs TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(kbs) AND json_type(kbs) = 'array'),
  products TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(products) AND json_type(products) = 'array'),
  published_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

ALTER TABLE hosts ADD COLUMN exposed INTEGER NOT NULL DEFAULT 0 CHECK (exposed IN (0,1));

ALTER TABLE hosts ADD COLUMN transport TEXT NOT NULL DEFAULT 'ssh' CHECK (transport IN ('ssh','winrm'));
ALTER TABLE hosts ADD COLUMN winrm_port INTEGER CHECK (winrm_port BETWEEN 1 AND 65535);
ALTER TABLE hosts ADD COLUMN winrm_https INTEGER NOT NULL DEFAULT 0 CHECK (winrm_https IN (0,1));
ALTER TABLE hosts ADD COLUMN winrm_cert TEXT;
ALTER TABLE pending_updates ADD COLUMN note TEXT;
ALTER TABLE pending_updates ADD COLUMN cve_list TEXT;
UPDATE pending_updates SET cve_list = (SELECT group_concat(cve_id, ',') FROM (SELECT cve_id FROM advisories a WHERE a.pending_update_id = pending_updates.id ORDER BY cve_id));
CREATE TRIGGER advisories_cve_list_insert AFTER INSERT ON advisories BEGIN
  UPDATE pending_updates SET cve_list = (SELECT group_concat(cve_id, ',') FROM (SELECT cve_id FROM advisories a WHERE a.pending_update_id = NEW.pending_update_id ORDER BY cve_id))
  WHERE id = NEW.pending_update_id;
END;
CREATE TRIGGER advisories_cve_list_delete AFTER DELETE ON advisories BEGIN
  UPDATE pending_updates SET cve_list = (SELECT group_concat(cve_id, ',') FROM (SELECT cve_id FROM advisories a WHERE a.pending_update_id = OLD.pending_update_id ORDER BY cve_id))
  WHERE id = OLD.pending_update_id;
END;
CREATE TRIGGER advisories_cve_list_update AFTER UPDATE ON advisories BEGIN
  UPDATE pending_updates SET cve_list = (SELECT group_concat(cve_id, ',') FROM (SELECT cve_id FROM advisories a WHERE a.pending_update_id = pending_updates.id ORDER BY cve_id))
  WHERE id IN (OLD.pending_update_id, NEW.pending_update_id);
END;

CREATE TABLE tag_profiles (
  tag TEXT PRIMARY KEY,
  criticality TEXT CHECK (criticality IN ('low','normal','high','critical')),
  exposed INTEGER NOT NULL DEFAULT 0 CHECK (exposed IN (0,1)),
  updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`;
