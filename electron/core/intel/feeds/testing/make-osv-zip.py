"""Writes an osv.dev-shaped all.zip of generated Debian advisories (DSA-<n>-1.json), deterministic content.

Python's zipfile is an independent writer (not Patchwell's code) and writes ZIP64 on its own once an archive
passes 65,535 entries; --force-zip64 also gives every entry ZIP64 extra fields.
--tiny writes COUNT one-line text entries instead (e<n>.txt holding n): the cheapest archive past 65,535 entries.
Usage: make-osv-zip.py OUT COUNT [--pad BYTES] [--force-zip64] [--store] [--tiny]
"""
import json
import sys
import zipfile

def advisory(i, pad):
    pkgs = ['openssl', 'linux', 'curl', 'glibc', 'nginx', 'postgresql-15', 'python3.11', 'samba']
    name = pkgs[i % len(pkgs)]
    year = 2014 + i % 12
    cves = ['CVE-%d-%d' % (year, 10000 + (i * 7 + k) % 90000) for k in range(1 + i % 3)]
    fixed = '%d.%d.%d-%d+deb12u%d' % (1 + i % 5, i % 10, i % 7, 1 + i % 3, 1 + i % 9)
    affected = []
    for eco in ['Debian:11', 'Debian:12', 'Debian:13'][: 1 + i % 3]:
        affected.append({
            'package': {'ecosystem': eco, 'name': name, 'purl': 'pkg:deb/debian/%s?arch=source' % name},
            'ranges': [{'type': 'ECOSYSTEM', 'events': [{'introduced': '0'}, {'fixed': fixed}]}],
            'versions': ['%d.%d.%d-%d' % (1 + i % 5, v, i % 7, 1) for v in range(4)],
        })
    doc = {
        'schema_version': '1.7.0',
        'id': 'DSA-%d-1' % (1000 + i),
        'modified': '2025-%02d-%02dT%02d:%02d:00Z' % (1 + i % 12, 1 + i % 28, i % 24, i % 60),
        'published': '%d-%02d-%02dT00:00:00Z' % (year, 1 + i % 12, 1 + i % 28),
        'upstream': cves,
        'summary': '%s - security update' % name,
        'details': '\n\n'.join('Several vulnerabilities were discovered in %s (%s), which may result in denial of service or the execution of arbitrary code.' % (name, c) for c in cves),
        'affected': affected,
        'references': [{'type': 'ADVISORY', 'url': 'https://www.debian.org/security/%d/dsa-%d' % (year, 1000 + i)}],
    }
    text = json.dumps(doc, indent=2)
    if pad > len(text):
        # Real Debian records carry long details; padding them reaches a realistic inflated size per file.
        filler = ' '.join('word%d' % ((i + k) % 997) for k in range(pad // 5 + 1))
        doc['details'] += '\n\n' + filler[: pad - len(text)]
        text = json.dumps(doc, indent=2)
    return text.encode('utf-8')

def main():
    args = sys.argv[1:]
    out, count = args[0], int(args[1])
    pad = int(args[args.index('--pad') + 1]) if '--pad' in args else 0
    force = '--force-zip64' in args
    method = zipfile.ZIP_STORED if '--store' in args else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(out, 'w', compression=method, allowZip64=True) as zf:
        if '--tiny' in args:
            for i in range(count):
                zf.writestr(zipfile.ZipInfo('e%d.txt' % i, date_time=(2025, 1, 1, 0, 0, 0)), b'%d' % i)
            return
        for i in range(count):
            info = zipfile.ZipInfo('DSA-%d-1.json' % (1000 + i), date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = method
            with zf.open(info, 'w', force_zip64=force) as f:
                f.write(advisory(i, pad))

main()
