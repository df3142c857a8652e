#!/usr/bin/env python3
"""Writes the demo's generated CSD country as an mCSD (FHIR R4) directory, shaped as iHRIS 5 keeps it.

For `examples/demo.sh --registry mcsd`: the FHIR emulator (tools/fhir-emulator) serves the output, and
the central node pulls it through [mcsd] instead of OpenInfoMan, so the demo's later steps (districts
D01-D03, cadres RN/CHA/CM, phones) see the same health workers.

  organization  -> Location jurisdiction (type code "district" for the one carrying a district code,
                   whose id is that code; "country" for the root; "dht" otherwise), partOf its parent
  facility      -> Location facility (iHRIS's legacy type code), partOf its first organization
  provider      -> Practitioner (names, BP numbers as telecom phone/mobile, active) + one
                   PractitionerRole (job = the CSD cadre code in iHRIS's job system, its facilities)
Also writes job-cadre.csv ("job_code,cadre_code": each job is its own cadre) for [mcsd]
job_cadre_map_file. Usage: csd_to_mcsd.py COUNTRY.xml OUT_DIR
"""
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

NS = {"c": "urn:ihe:iti:csd:2013"}
JOB_SYSTEM = "http://ihris.org/fhir/CodeSystem/ihris-job"
JURISDICTION = "http://ihris.org/fhir/CodeSystem/ihris-jurisdiction"
AUTHORITY = "urn:mhero:district"


def fhir_id(entity_id):
    """A FHIR id ([A-Za-z0-9-.]{1,64}) for a CSD entityID ("urn:uuid:…" -> the uuid)."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", entity_id.removeprefix("urn:uuid:"))[:64]


def status_active(el):
    record = el.find("c:record", NS)
    return record is None or (record.get("status") or "Active").lower() not in ("inactive", "106-002")


def convert(country, out):
    root = ET.parse(country).getroot()
    resources, loc_of, jobs = [], {}, set()
    orgs = root.findall("c:organizationDirectory/c:organization", NS)
    for o in orgs:
        code = next((x.get("code") for x in o.findall("c:otherID", NS)
                     if x.get("assigningAuthorityName") == AUTHORITY), None)
        loc_of[o.get("entityID")] = code or fhir_id(o.get("entityID"))
    for o in orgs:
        parent = o.find("c:parent", NS)
        is_district = loc_of[o.get("entityID")] != fhir_id(o.get("entityID"))
        kind = "district" if is_district else ("dht" if parent is not None else "country")
        loc = {"resourceType": "Location", "id": loc_of[o.get("entityID")], "status": "active",
               "name": o.findtext("c:primaryName", "", NS),
               "type": [{"coding": [{"system": JURISDICTION, "code": kind}]}],
               "physicalType": {"coding": [{"code": "jdn"}]}}
        if parent is not None and parent.get("entityID") in loc_of:
            loc["partOf"] = {"reference": "Location/" + loc_of[parent.get("entityID")]}
        resources.append(loc)
    for f in root.findall("c:facilityDirectory/c:facility", NS):
        fid = fhir_id(f.get("entityID"))
        loc_of[f.get("entityID")] = fid
        loc = {"resourceType": "Location", "id": fid, "status": "active" if status_active(f) else "inactive",
               "name": f.findtext("c:primaryName", "", NS),
               "type": [{"coding": [{"system": "urn:ietf:rfc:3986", "code": "urn:ihe:iti:mcsd:2019:facility"}]}]}
        org = f.find("c:organizations/c:organization", NS)
        if org is not None and org.get("entityID") in loc_of:
            loc["partOf"] = {"reference": "Location/" + loc_of[org.get("entityID")]}
        resources.append(loc)
    for p in root.findall("c:providerDirectory/c:provider", NS):
        entity = p.get("entityID") or p.get("urn")
        if not entity:
            continue
        pid = fhir_id(entity)
        name = p.find("c:demographic/c:name", NS)
        human = {"use": "official"}
        if name is not None:
            if name.findtext("c:surname", None, NS):
                human["family"] = name.findtext("c:surname", "", NS)
            if name.findtext("c:forename", None, NS):
                human["given"] = [name.findtext("c:forename", "", NS)]
            if name.findtext("c:commonName", None, NS):
                human["text"] = name.findtext("c:commonName", "", NS)
        phones = [c.text.strip() for c in p.findall("c:demographic/c:contactPoint/c:codedType", NS)
                  if c.get("code") == "BP" and c.text and c.text.strip()]
        practitioner = {"resourceType": "Practitioner", "id": pid, "active": status_active(p), "name": [human]}
        if phones:
            practitioner["telecom"] = [{"system": "phone", "use": "mobile", "value": v} for v in phones]
        resources.append(practitioner)
        codes = [c.get("code") for c in p.findall("c:codedType", NS) if c.get("code")]
        jobs.update(codes)
        facilities = [loc_of[f.get("entityID")] for f in p.findall("c:facilities/c:facility", NS)
                      if f.get("entityID") in loc_of]
        role = {"resourceType": "PractitionerRole", "id": "PR-" + pid[:61], "active": True,
                "practitioner": {"reference": "Practitioner/" + pid},
                "code": [{"coding": [{"system": JOB_SYSTEM, "code": c}], "text": c} for c in codes],
                "location": [{"reference": "Location/" + f} for f in facilities],
                "period": {"start": "2015-06-01"}}
        resources.append(role)
    out.mkdir(parents=True, exist_ok=True)
    bundle = {"resourceType": "Bundle", "type": "transaction",
              "entry": [{"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
                        for r in resources]}
    (out / "bundle-country.json").write_text(json.dumps(bundle))
    (out / "job-cadre.csv").write_text("job_code,cadre_code\n" + "".join(f"{j},{j}\n" for j in sorted(jobs)))
    counts = {t: sum(r["resourceType"] == t for r in resources) for t in ("Location", "Practitioner", "PractitionerRole")}
    return counts


if __name__ == "__main__":
    counts = convert(Path(sys.argv[1]), Path(sys.argv[2]))
    print(", ".join(f"{n} {t}" for t, n in counts.items()))
