#!/usr/bin/env python3
"""Generate the demo collection: sql/demo/010_sets.sql and 020_records.sql.

    python3 scripts/gen-demo-sql.py          # rewrite the files
    python3 scripts/gen-demo-sql.py --check  # exit 1 if they are out of date

It also writes the same records as data/nec-sample.jsonl, the JSON Lines
format of the cataloguers' tool, so the collection can be loaded with
`oai-admin import data/nec-sample.jsonl` (after loading 010_sets.sql or
creating the sets): same values, languages, sets and tombstones; only the
datestamp history (below) is the SQL files' own.

A synthetic but realistic sample of the National Election Committee (NEC)
E-Library: laws, royal decrees, sub-decrees, regulations, procedures,
bulletins, magazines, posters and leaflets for every national assembly,
commune/sangkat council and senate election since 1993, described in
Dublin Core in Khmer and English. Titles, dates and texts are plausible,
not authoritative: this is test and demonstration data, not a catalogue.

The output is deterministic (fixed random seed, no clock), standard library
only. Load it with scripts/db-load-demo, never by hand.

Datestamps: the schema's triggers move a record's datestamp to the current
second whenever its values or sets change, so the records, values and sets
are inserted first and one final UPDATE, which changes only datestamp and
created_at and so fires no touch logic, gives each record its history:
- documents older than 2019 came in with the E-Library's initial import,
  one batch (one transaction, so one shared second) per election;
- newer documents were added a few days after publication, a document and
  its translation or a series of posters often in the same second;
- some records were edited later, a batch of them at the same second by a
  rights-statement correction; about 5% are deleted (tombstones that keep
  their values, datestamp = time of deletion).
All datestamps lie between 2019-01-14 and 2026-10-31.
"""

import argparse
import datetime as dt
import json
import pathlib
import random
import sys
import unicodedata

SEED = 19980726
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "sql" / "demo"
DATA_DIR = ROOT / "data"
BASE_URL = "https://elibrary.nec.gov.kh/items/"
LAST_DATESTAMP = dt.datetime(2026, 10, 31, 23, 59, 59)
FIRST_IMPORT = dt.datetime(2019, 1, 14, 2, 15, 7)
RIGHTS_FIX = dt.datetime(2024, 3, 12, 3, 0, 0)

NEC_EN = "National Election Committee"
NEC_KM = "គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត"
PUBLISHER_EN = "National Election Committee, Phnom Penh"
PUBLISHER_KM = "គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត ភ្នំពេញ"
RIGHTS_EN = "Public domain: official publication of the National Election Committee of Cambodia"
RIGHTS_OLD_EN = "Official publication of the National Election Committee of Cambodia"
GOV = ("Royal Government of Cambodia", "រាជរដ្ឋាភិបាលកម្ពុជា")
ASSEMBLY = ("National Assembly of the Kingdom of Cambodia", "រដ្ឋសភានៃព្រះរាជាណាចក្រកម្ពុជា")
UNTAC = ("United Nations Transitional Authority in Cambodia (UNTAC)",
         "អាជ្ញាធរបណ្ដោះអាសន្នរបស់អង្គការសហប្រជាជាតិនៅកម្ពុជា (អ៊ុនតាក់)")

KM_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
KM_MONTHS = ["មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា",
             "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ"]
EN_ORDINALS = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh"]


def km_num(n):
    return str(n).translate(KM_DIGITS)


def km_date(d):
    return f"ថ្ងៃទី{km_num(d.day)} ខែ{KM_MONTHS[d.month - 1]} ឆ្នាំ{km_num(d.year)}"


def en_date(d):
    return f"{d.day} {d.strftime('%B')} {d.year}"


# --------------------------------------------------------------------------
# Sets
# --------------------------------------------------------------------------

# kind slug -> (set name, km name, DCMI type, NEC type label, format)
KINDS = {
    "royal-decree": ("Royal decrees", "ព្រះរាជក្រឹត្យ", "Text", "Royal Decree", "application/pdf"),
    "sub-decree": ("Sub-decrees", "អនុក្រឹត្យ", "Text", "Sub-Decree", "application/pdf"),
    "law": ("Laws", "ច្បាប់", "Text", "Law", "application/pdf"),
    "regulation": ("Regulations", "បទបញ្ជា", "Text", "Regulation", "application/pdf"),
    "procedure": ("Procedures", "នីតិវិធី", "Text", "Procedure", "application/pdf"),
    "bulletin": ("Bulletins", "ព្រឹត្តិបត្រ", "Text", "Bulletin", "application/pdf"),
    "magazine": ("Magazines", "ទស្សនាវដ្ដី", "Text", "Magazine", "application/pdf"),
    "poster": ("Posters", "ផ្ទាំងរូបភាព", "StillImage", "Poster", "image/jpeg"),
    "leaflet": ("Leaflets", "ខិត្តប័ណ្ណ", "Text", "Leaflet", "application/pdf"),
}

KIND_DESC = {
    "royal-decree": ("Royal decrees (preah reach kret) of the King of Cambodia on elections and on the National Election Committee.",
                     "ព្រះរាជក្រឹត្យស្តីពីការបោះឆ្នោត និងស្តីពីគណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត។"),
    "sub-decree": ("Sub-decrees (anukret) of the Royal Government on the organisation and financing of elections.",
                   "អនុក្រឹត្យរបស់រាជរដ្ឋាភិបាលស្តីពីការរៀបចំ និងហិរញ្ញប្បទានការបោះឆ្នោត។"),
    "law": ("Election laws and their amendments, as promulgated.",
            "ច្បាប់ស្តីពីការបោះឆ្នោត និងវិសោធនកម្មរបស់ច្បាប់ទាំងនោះ។"),
    "regulation": ("Regulations adopted by the National Election Committee.",
                   "បទបញ្ជាដែលអនុម័តដោយគណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត។"),
    "procedure": ("Procedures for election officials: voter lists, polling, counting, results and complaints.",
                  "នីតិវិធីសម្រាប់មន្ត្រីរៀបចំការបោះឆ្នោត៖ បញ្ជីបោះឆ្នោត ការបោះឆ្នោត ការរាប់សន្លឹកឆ្នោត លទ្ធផល និងបណ្ដឹង។"),
    "bulletin": ("Official bulletins: calendars, registration statistics, candidates and results.",
                 "ព្រឹត្តិបត្រផ្លូវការ៖ ប្រតិទិន ស្ថិតិនៃការចុះឈ្មោះបោះឆ្នោត បេក្ខជន និងលទ្ធផល។"),
    "magazine": ("Issues of the National Election Committee magazine.",
                 "ទស្សនាវដ្ដីរបស់គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត។"),
    "poster": ("Voter education posters.",
               "ផ្ទាំងរូបភាពអប់រំអ្នកបោះឆ្នោត។"),
    "leaflet": ("Voter information leaflets.",
                "ខិត្តប័ណ្ណផ្ដល់ព័ត៌មានដល់អ្នកបោះឆ្នោត។"),
}

LANGS = {
    "km": ("Khmer", "ភាសាខ្មែរ", "Documents in Khmer.", "ឯកសារជាភាសាខ្មែរ។"),
    "en": ("English", "ភាសាអង់គ្លេស", "Documents in English, including unofficial translations.",
           "ឯកសារជាភាសាអង់គ្លេស រួមទាំងការបកប្រែក្រៅផ្លូវការ។"),
    "bilingual": ("Bilingual (Khmer and English)", "ពីរភាសា (ខ្មែរ និងអង់គ្លេស)",
                  "Documents with Khmer and English text side by side.",
                  "ឯកសារដែលមានអត្ថបទជាភាសាខ្មែរ និងភាសាអង់គ្លេស។"),
}


class Election:
    def __init__(self, year, body, day, term, weight):
        self.year = year
        self.body = body  # "na", "commune" or "senate"
        self.day = day
        self.term = term
        self.weight = weight  # number of generated (template) records
        if body == "na":
            self.spec = f"election:{year}-national-assembly"
            if year == 1993:
                self.en = "1993 Constituent Assembly Election"
                self.km = "ការបោះឆ្នោតជ្រើសតាំងសភាធម្មនុញ្ញ ឆ្នាំ១៩៩៣"
                self.set_name = "1993 National Assembly (Constituent Assembly) election"
            else:
                self.en = f"{year} National Assembly Election"
                self.km = f"ការបោះឆ្នោតជ្រើសតាំងតំណាងរាស្ត្រ នីតិកាលទី{km_num(term)} ឆ្នាំ{km_num(year)}"
                self.set_name = f"{year} National Assembly election ({EN_ORDINALS[term]} legislature)"
        elif body == "commune":
            self.spec = f"election:{year}-commune"
            self.en = f"{year} Commune/Sangkat Council Elections"
            self.km = f"ការបោះឆ្នោតជ្រើសរើសក្រុមប្រឹក្សាឃុំ សង្កាត់ អាណត្តិទី{km_num(term)} ឆ្នាំ{km_num(year)}"
            self.set_name = f"{year} Commune/Sangkat council elections ({EN_ORDINALS[term]} mandate)"
        else:
            self.spec = f"election:{year}-senate"
            self.en = f"{year} Senate Election"
            self.km = f"ការបោះឆ្នោតជ្រើសតាំងសមាជិកព្រឹទ្ធសភា នីតិកាលទី{km_num(term)} ឆ្នាំ{km_num(year)}"
            self.set_name = f"{year} Senate election ({EN_ORDINALS[term]} legislature)"

    def descriptions(self):
        if self.year == 1993:
            return ("Reference documents on the election of the Constituent Assembly of 23–28 May 1993, "
                    "organised by UNTAC before the National Election Committee existed.",
                    "ឯកសារយោងស្តីពីការបោះឆ្នោតជ្រើសតាំងសភាធម្មនុញ្ញ ពីថ្ងៃទី២៣ ដល់ថ្ងៃទី២៨ ខែឧសភា ឆ្នាំ១៩៩៣ "
                    "ដែលរៀបចំដោយអ៊ុនតាក់ មុនការបង្កើតគណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត។")
        return (f"Documents of the {self.en}, polling day {en_date(self.day)}.",
                f"ឯកសារនៃ{self.km} ដែលបានប្រព្រឹត្តទៅនៅ{km_date(self.day)}។")


ELECTIONS = [
    Election(1993, "na", dt.date(1993, 5, 23), 1, 0),
    Election(1998, "na", dt.date(1998, 7, 26), 2, 14),
    Election(2003, "na", dt.date(2003, 7, 27), 3, 17),
    Election(2008, "na", dt.date(2008, 7, 27), 4, 20),
    Election(2013, "na", dt.date(2013, 7, 28), 5, 26),
    Election(2018, "na", dt.date(2018, 7, 29), 6, 30),
    Election(2023, "na", dt.date(2023, 7, 23), 7, 36),
    Election(2002, "commune", dt.date(2002, 2, 3), 1, 12),
    Election(2007, "commune", dt.date(2007, 4, 1), 2, 16),
    Election(2012, "commune", dt.date(2012, 6, 3), 3, 20),
    Election(2017, "commune", dt.date(2017, 6, 4), 4, 26),
    Election(2022, "commune", dt.date(2022, 6, 5), 5, 30),
    Election(2006, "senate", dt.date(2006, 1, 22), 2, 10),
    Election(2012, "senate", dt.date(2012, 1, 29), 3, 11),
    Election(2018, "senate", dt.date(2018, 2, 25), 4, 13),
    Election(2024, "senate", dt.date(2024, 2, 25), 5, 15),
]
ELECTION_BY_SPEC = {e.spec: e for e in ELECTIONS}


def set_rows():
    """(spec, name, [(value, lang), ...]) in parent-first order."""
    rows = [("type", "Document types", [
        ("Election documents by kind: laws, decrees, regulations, procedures, bulletins, magazines, posters and leaflets.", "en"),
        ("ឯកសារបោះឆ្នោតតាមប្រភេទ៖ ច្បាប់ ព្រះរាជក្រឹត្យ អនុក្រឹត្យ បទបញ្ជា នីតិវិធី ព្រឹត្តិបត្រ ទស្សនាវដ្ដី ផ្ទាំងរូបភាព និងខិត្តប័ណ្ណ។", "km")])]
    for slug, (name, *_rest) in KINDS.items():
        en_d, km_d = KIND_DESC[slug]
        rows.append((f"type:{slug}", name, [(en_d, "en"), (km_d, "km")]))
    rows.append(("election", "Elections", [
        ("Documents grouped by election: national assembly, commune/sangkat council and senate elections.", "en"),
        ("ឯកសារតាមការបោះឆ្នោតនីមួយៗ៖ ការបោះឆ្នោតជ្រើសតាំងតំណាងរាស្ត្រ ក្រុមប្រឹក្សាឃុំ សង្កាត់ និងសមាជិកព្រឹទ្ធសភា។", "km")]))
    for e in ELECTIONS:
        en_d, km_d = e.descriptions()
        rows.append((e.spec, e.set_name, [(en_d, "en"), (km_d, "km")]))
    rows.append(("lang", "Document language", [
        ("Documents by the language of their text.", "en"),
        ("ឯកសារតាមភាសានៃអត្ថបទ។", "km")]))
    for slug, (name, km_name, en_d, km_d) in LANGS.items():
        rows.append((f"lang:{slug}", name, [(en_d, "en"), (km_d, "km")]))
    return rows


# --------------------------------------------------------------------------
# Subjects and templates
# --------------------------------------------------------------------------

SUBJECTS = {
    "law": ("Election law", "ច្បាប់បោះឆ្នោត"),
    "admin": ("Election administration", "ការគ្រប់គ្រងការបោះឆ្នោត"),
    "registration": ("Voter registration", "ការចុះឈ្មោះបោះឆ្នោត"),
    "voterlist": ("Voter lists", "បញ្ជីបោះឆ្នោត"),
    "education": ("Voter education", "ការអប់រំអ្នកបោះឆ្នោត"),
    "campaign": ("Election campaigns", "ការឃោសនាបោះឆ្នោត"),
    "parties": ("Political parties", "គណបក្សនយោបាយ"),
    "candidates": ("Candidates", "បេក្ខជន"),
    "observers": ("Election observers", "អ្នកសង្កេតការណ៍ការបោះឆ្នោត"),
    "disputes": ("Electoral dispute resolution", "ការដោះស្រាយវិវាទការបោះឆ្នោត"),
    "counting": ("Vote counting", "ការរាប់សន្លឹកឆ្នោត"),
    "results": ("Election results", "លទ្ធផលបោះឆ្នោត"),
    "polling": ("Polling stations", "ការិយាល័យបោះឆ្នោត"),
    "finance": ("Public finance", "ហិរញ្ញវត្ថុសាធារណៈ"),
    "women": ("Women's political participation", "ការចូលរួមនយោបាយរបស់ស្ត្រី"),
    "youth": ("Youth", "យុវជន"),
    "disability": ("Persons with disabilities", "ជនមានពិការភាព"),
    "media": ("Mass media", "ប្រព័ន្ធផ្សព្វផ្សាយ"),
    "na": ("National Assembly", "រដ្ឋសភា"),
    "senate": ("Senate", "ព្រឹទ្ធសភា"),
    "commune": ("Commune/Sangkat councils", "ក្រុមប្រឹក្សាឃុំ សង្កាត់"),
    "nec": ("National Election Committee", NEC_KM),
}

ALL = ("na", "commune", "senate")
NA_COMMUNE = ("na", "commune")


class T:
    """A document template: {E}/{Ek} stand for the election's names."""

    def __init__(self, key, kind, bodies, en, km, subjects, offsets, contributor=None):
        self.key, self.kind, self.bodies = key, kind, bodies
        self.en, self.km, self.subjects, self.offsets = en, km, subjects, offsets
        self.contributor = contributor


TEMPLATES = [
    # royal decrees
    T("rd-date", "royal-decree", ALL, "Royal Decree Setting the Polling Day of the {E}",
      "ព្រះរាជក្រឹត្យស្តីពីការកំណត់ថ្ងៃបោះឆ្នោតនៃ{Ek}", ["law"], (-200, -120), GOV),
    T("rd-members", "royal-decree", ("na",), "Royal Decree on the Appointment of the Members of the National Election Committee before the {E}",
      "ព្រះរាជក្រឹត្យស្តីពីការតែងតាំងសមាជិកគណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត មុន{Ek}", ["nec", "admin"], (-420, -300), GOV),
    T("rd-session", "royal-decree", ("na",), "Royal Decree Convening the First Session of the National Assembly after the {E}",
      "ព្រះរាជក្រឹត្យស្តីពីការកោះប្រជុំសម័យប្រជុំលើកទីមួយនៃរដ្ឋសភា ក្រោយ{Ek}", ["results"], (40, 60), GOV),
    T("rd-senate-session", "royal-decree", ("senate",), "Royal Decree Convening the First Session of the Senate after the {E}",
      "ព្រះរាជក្រឹត្យស្តីពីការកោះប្រជុំសម័យប្រជុំលើកទីមួយនៃព្រឹទ្ធសភា ក្រោយ{Ek}", ["results"], (30, 60), GOV),
    # sub-decrees
    T("sd-budget", "sub-decree", ALL, "Sub-Decree on the Budget for the Organisation of the {E}",
      "អនុក្រឹត្យស្តីពីថវិកាសម្រាប់ការរៀបចំ{Ek}", ["finance", "admin"], (-330, -200), GOV),
    T("sd-holiday", "sub-decree", NA_COMMUNE, "Sub-Decree on Public Holidays for the Polling Day of the {E}",
      "អនុក្រឹត្យស្តីពីការឈប់សម្រាកការងារនៅថ្ងៃបោះឆ្នោតនៃ{Ek}", ["admin"], (-40, -15), GOV),
    T("sd-identity", "sub-decree", NA_COMMUNE, "Sub-Decree on Identity Certificates for Electoral Purposes for the {E}",
      "អនុក្រឹត្យស្តីពីលិខិតបញ្ជាក់អត្តសញ្ញាណសម្រាប់ការបោះឆ្នោត{Ek}", ["registration", "voterlist"], (-280, -200), GOV),
    T("sd-secretariat", "sub-decree", ("na",), "Sub-Decree on the Organisation of the General Secretariat of the National Election Committee before the {E}",
      "អនុក្រឹត្យស្តីពីការរៀបចំអគ្គលេខាធិការដ្ឋាននៃគណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត មុន{Ek}", ["nec", "admin"], (-500, -330), GOV),
    # regulations
    T("reg-rp", "regulation", ALL, "Regulations and Procedures for the {E}",
      "បទបញ្ជា និងនីតិវិធីនៃ{Ek}", ["law", "admin"], (-300, -180)),
    T("reg-registration", "regulation", NA_COMMUNE, "Regulation on Voter Registration for the {E}",
      "បទបញ្ជាស្តីពីការចុះឈ្មោះបោះឆ្នោតសម្រាប់{Ek}", ["registration", "voterlist"], (-400, -300)),
    T("reg-campaign", "regulation", ALL, "Regulation on Election Campaigning for the {E}",
      "បទបញ្ជាស្តីពីការឃោសនាបោះឆ្នោតសម្រាប់{Ek}", ["campaign", "parties"], (-120, -60)),
    T("reg-observers", "regulation", NA_COMMUNE, "Regulation on the Accreditation of National and International Observers for the {E}",
      "បទបញ្ជាស្តីពីការផ្ដល់ប័ណ្ណសម្គាល់ដល់អ្នកសង្កេតការណ៍ជាតិ និងអន្តរជាតិ សម្រាប់{Ek}", ["observers"], (-150, -90)),
    T("reg-conduct", "regulation", NA_COMMUNE, "Code of Conduct for Political Parties, Candidates and Supporters for the {E}",
      "ក្រមប្រតិបត្តិសម្រាប់គណបក្សនយោបាយ បេក្ខជន និងអ្នកគាំទ្រ ក្នុង{Ek}", ["parties", "candidates", "campaign"], (-150, -100)),
    T("reg-parties", "regulation", ALL, "Regulation on the Registration of Political Parties and Candidate Lists for the {E}",
      "បទបញ្ជាស្តីពីការចុះបញ្ជីគណបក្សនយោបាយ និងបញ្ជីបេក្ខជន សម្រាប់{Ek}", ["parties", "candidates"], (-200, -120)),
    T("reg-media", "regulation", NA_COMMUNE, "Regulation on Equal Access to Public Media for the {E}",
      "បទបញ្ជាស្តីពីការប្រើប្រាស់ប្រព័ន្ធផ្សព្វផ្សាយសាធារណៈដោយស្មើភាព សម្រាប់{Ek}", ["media", "campaign"], (-120, -70)),
    # procedures
    T("proc-voting", "procedure", ALL, "Procedure for Voting and Vote Counting at Polling Stations for the {E}",
      "នីតិវិធីនៃការបោះឆ្នោត និងការរាប់សន្លឹកឆ្នោតនៅការិយាល័យបោះឆ្នោត សម្រាប់{Ek}", ["polling", "counting"], (-90, -30)),
    T("proc-complaints", "procedure", ALL, "Procedure for the Resolution of Electoral Complaints for the {E}",
      "នីតិវិធីនៃការដោះស្រាយបណ្ដឹងទាក់ទងនឹង{Ek}", ["disputes"], (-150, -60)),
    T("proc-consolidation", "procedure", ALL, "Procedure for the Consolidation of Results for the {E}",
      "នីតិវិធីនៃការបូកសរុបលទ្ធផលបោះឆ្នោតសម្រាប់{Ek}", ["results", "counting"], (-60, -20)),
    T("proc-voterlist", "procedure", NA_COMMUNE, "Procedure for the Review and Correction of the Voter List for the {E}",
      "នីតិវិធីនៃការពិនិត្យ និងកែតម្រូវបញ្ជីបោះឆ្នោតសម្រាប់{Ek}", ["voterlist", "registration"], (-380, -280)),
    T("proc-staff", "procedure", ALL, "Procedure for the Recruitment and Training of Polling Station Officials for the {E}",
      "នីតិវិធីនៃការជ្រើសរើស និងបណ្ដុះបណ្ដាលមន្ត្រីការិយាល័យបោះឆ្នោត សម្រាប់{Ek}", ["polling", "admin"], (-200, -100)),
    T("proc-ballot", "procedure", ALL, "Procedure for the Production and Distribution of Ballot Papers for the {E}",
      "នីតិវិធីនៃការផលិត និងការបែងចែកសន្លឹកឆ្នោតសម្រាប់{Ek}", ["polling", "admin"], (-100, -40)),
    # bulletins
    T("bul-calendar", "bulletin", ALL, "NEC Bulletin: Calendar of the {E}",
      "ព្រឹត្តិបត្រ គ.ជ.ប៖ ប្រតិទិននៃ{Ek}", ["admin"], (-250, -150)),
    T("bul-registration", "bulletin", NA_COMMUNE, "NEC Bulletin: Voter Registration Statistics for the {E}",
      "ព្រឹត្តិបត្រ គ.ជ.ប៖ ស្ថិតិនៃការចុះឈ្មោះបោះឆ្នោតសម្រាប់{Ek}", ["registration", "voterlist"], (-250, -180)),
    T("bul-parties", "bulletin", ALL, "NEC Bulletin: Political Parties and Candidates Registered for the {E}",
      "ព្រឹត្តិបត្រ គ.ជ.ប៖ គណបក្សនយោបាយ និងបេក្ខជនដែលបានចុះបញ្ជីសម្រាប់{Ek}", ["parties", "candidates"], (-90, -60)),
    T("bul-stations", "bulletin", NA_COMMUNE, "NEC Bulletin: Polling Stations for the {E}",
      "ព្រឹត្តិបត្រ គ.ជ.ប៖ ចំនួនការិយាល័យបោះឆ្នោតសម្រាប់{Ek}", ["polling"], (-60, -20)),
    T("bul-preliminary", "bulletin", ALL, "NEC Bulletin: Preliminary Results of the {E}",
      "ព្រឹត្តិបត្រ គ.ជ.ប៖ លទ្ធផលបណ្ដោះអាសន្ននៃ{Ek}", ["results"], (1, 7)),
    T("bul-official", "bulletin", ALL, "NEC Bulletin: Official Results of the {E}",
      "ព្រឹត្តិបត្រ គ.ជ.ប៖ លទ្ធផលផ្លូវការនៃ{Ek}", ["results"], (14, 45)),
    T("bul-seats", "bulletin", ALL, "NEC Bulletin: Allocation of Seats after the {E}",
      "ព្រឹត្តិបត្រ គ.ជ.ប៖ ការបែងចែកអាសនៈក្រោយ{Ek}", ["results", "parties"], (15, 45)),
    T("bul-turnout", "bulletin", NA_COMMUNE, "NEC Bulletin: Voter Turnout by Province in the {E}",
      "ព្រឹត្តិបត្រ គ.ជ.ប៖ អត្រាអ្នកចេញទៅបោះឆ្នោតតាមខេត្ត រាជធានី ក្នុង{Ek}", ["results"], (3, 20)),
    # magazines
    T("mag-special", "magazine", ALL, "NEC Magazine: Special Issue on the {E}",
      "ទស្សនាវដ្ដី គ.ជ.ប៖ លេខពិសេសស្តីពី{Ek}", ["results", "nec"], (30, 120)),
    T("mag-preparation", "magazine", NA_COMMUNE, "NEC Magazine: Preparing for the {E}",
      "ទស្សនាវដ្ដី គ.ជ.ប៖ ការត្រៀមរៀបចំ{Ek}", ["admin", "nec"], (-180, -60)),
    T("mag-women", "magazine", NA_COMMUNE, "NEC Magazine: Women's Participation in the {E}",
      "ទស្សនាវដ្ដី គ.ជ.ប៖ ការចូលរួមរបស់ស្ត្រីក្នុង{Ek}", ["women", "candidates"], (-120, 90)),
    T("mag-youth", "magazine", NA_COMMUNE, "NEC Magazine: First-Time Voters and the {E}",
      "ទស្សនាវដ្ដី គ.ជ.ប៖ អ្នកបោះឆ្នោតលើកដំបូង និង{Ek}", ["youth", "education"], (-150, -30)),
    # posters
    T("pos-register", "poster", NA_COMMUNE, "Poster: Register to Vote for the {E}",
      "ផ្ទាំងរូបភាព៖ សូមចុះឈ្មោះបោះឆ្នោតសម្រាប់{Ek}", ["registration", "education"], (-380, -300)),
    T("pos-check", "poster", NA_COMMUNE, "Poster: Check Your Name on the Voter List for the {E}",
      "ផ្ទាំងរូបភាព៖ សូមពិនិត្យឈ្មោះរបស់អ្នកក្នុងបញ្ជីបោះឆ្នោតសម្រាប់{Ek}", ["voterlist", "education"], (-200, -60)),
    T("pos-day", "poster", ALL, "Poster: Polling Day of the {E}",
      "ផ្ទាំងរូបភាព៖ ថ្ងៃបោះឆ្នោតនៃ{Ek}", ["education"], (-60, -20)),
    T("pos-steps", "poster", NA_COMMUNE, "Poster: Steps for Voting at the Polling Station, {E}",
      "ផ្ទាំងរូបភាព៖ ជំហាននៃការបោះឆ្នោតនៅការិយាល័យបោះឆ្នោត {Ek}", ["education", "polling"], (-60, -15)),
    T("pos-secret", "poster", NA_COMMUNE, "Poster: Your Vote Is Secret, {E}",
      "ផ្ទាំងរូបភាព៖ ការបោះឆ្នោតរបស់អ្នកជាការសម្ងាត់ {Ek}", ["education"], (-60, -15)),
    T("pos-idcard", "poster", NA_COMMUNE, "Poster: Bring Your Khmer Identity Card to Vote, {E}",
      "ផ្ទាំងរូបភាព៖ សូមយកអត្តសញ្ញាណប័ណ្ណសញ្ជាតិខ្មែរទៅបោះឆ្នោត {Ek}", ["education", "voterlist"], (-45, -10)),
    # leaflets
    T("lea-registration", "leaflet", NA_COMMUNE, "Leaflet: How to Register as a Voter for the {E}",
      "ខិត្តប័ណ្ណ៖ របៀបចុះឈ្មោះបោះឆ្នោតសម្រាប់{Ek}", ["registration", "education"], (-380, -300)),
    T("lea-documents", "leaflet", NA_COMMUNE, "Leaflet: Documents to Bring on Polling Day, {E}",
      "ខិត្តប័ណ្ណ៖ ឯកសារដែលត្រូវយកទៅបោះឆ្នោត {Ek}", ["education", "voterlist"], (-60, -15)),
    T("lea-ballot", "leaflet", ALL, "Leaflet: How to Mark the Ballot Paper, {E}",
      "ខិត្តប័ណ្ណ៖ របៀបគូសសន្លឹកឆ្នោត {Ek}", ["education", "polling"], (-60, -15)),
    T("lea-rights", "leaflet", NA_COMMUNE, "Leaflet: Rights and Duties of Voters, {E}",
      "ខិត្តប័ណ្ណ៖ សិទ្ធិ និងករណីយកិច្ចរបស់អ្នកបោះឆ្នោត {Ek}", ["education"], (-150, -30)),
    T("lea-disability", "leaflet", NA_COMMUNE, "Leaflet: Voting for Persons with Disabilities, {E}",
      "ខិត្តប័ណ្ណ៖ ការបោះឆ្នោតសម្រាប់ជនមានពិការភាព {Ek}", ["disability", "polling"], (-90, -20)),
    T("lea-observers", "leaflet", ALL, "Leaflet: Guide for Election Observers, {E}",
      "ខិត្តប័ណ្ណ៖ មគ្គុទ្ទេសក៍សម្រាប់អ្នកសង្កេតការណ៍ការបោះឆ្នោត {Ek}", ["observers"], (-100, -30)),
    T("lea-senate-electors", "leaflet", ("senate",), "Leaflet: Voting Procedure for Senate Electors, {E}",
      "ខិត្តប័ណ្ណ៖ នីតិវិធីបោះឆ្នោតសម្រាប់អ្នកបោះឆ្នោតជ្រើសតាំងសមាជិកព្រឹទ្ធសភា {Ek}", ["polling", "education"], (-60, -15)),
]
ALWAYS = ("reg-rp", "bul-official")

# Each template's kind sentence; {E}/{Ek} as in titles.
KIND_SENTENCE = {
    "royal-decree": ("Royal decree published by the National Election Committee in connection with the {E}.",
                     "ព្រះរាជក្រឹត្យដែលបានផ្សព្វផ្សាយដោយគណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត ពាក់ព័ន្ធនឹង{Ek}។"),
    "sub-decree": ("Sub-decree of the Royal Government concerning the {E}.",
                   "អនុក្រឹត្យរបស់រាជរដ្ឋាភិបាលពាក់ព័ន្ធនឹង{Ek}។"),
    "law": ("Full text of the law as promulgated, applicable to the {E}.",
            "អត្ថបទពេញនៃច្បាប់ដែលបានប្រកាសឱ្យប្រើ អនុវត្តចំពោះ{Ek}។"),
    "regulation": ("Regulation adopted by the National Election Committee for the {E}.",
                   "បទបញ្ជាដែលអនុម័តដោយគណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត សម្រាប់{Ek}។"),
    "procedure": ("Procedure issued by the National Election Committee to election officials for the {E}.",
                  "នីតិវិធីដែលចេញដោយគណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត សម្រាប់មន្ត្រីរៀបចំ{Ek}។"),
    "bulletin": ("Official bulletin of the National Election Committee on the {E}.",
                 "ព្រឹត្តិបត្រផ្លូវការរបស់គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោតស្តីពី{Ek}។"),
    "magazine": ("Issue of the National Election Committee magazine with news, interviews and figures on the {E}.",
                 "ទស្សនាវដ្ដីរបស់គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត ដែលមានព័ត៌មាន បទសម្ភាសន៍ និងតួលេខស្តីពី{Ek}។"),
    "poster": ("Voter education poster displayed at commune offices and polling stations for the {E}.",
               "ផ្ទាំងរូបភាពអប់រំអ្នកបោះឆ្នោត ដែលបានបិទផ្សាយនៅសាលាឃុំ សង្កាត់ និងការិយាល័យបោះឆ្នោត សម្រាប់{Ek}។"),
    "leaflet": ("Leaflet distributed to voters for the {E}.",
                "ខិត្តប័ណ្ណដែលបានចែកជូនអ្នកបោះឆ្នោត សម្រាប់{Ek}។"),
}

# Election laws, each attached to the first election it governed:
# (election spec, date, en title, km title, extra subjects)
LEMNA_EN = "Law on the Election of Members of the National Assembly"
LEMNA_KM = "ច្បាប់ស្តីពីការបោះឆ្នោតជ្រើសតាំងតំណាងរាស្ត្រ"
LECC_EN = "Law on the Election of Commune/Sangkat Councils"
LECC_KM = "ច្បាប់ស្តីពីការបោះឆ្នោតជ្រើសរើសក្រុមប្រឹក្សាឃុំ សង្កាត់"
LES_EN = "Law on the Election of Senators"
LES_KM = "ច្បាប់ស្តីពីការបោះឆ្នោតជ្រើសតាំងសមាជិកព្រឹទ្ធសភា"
AMEND_EN = "Law on the Amendment of the "
AMEND_KM = "ច្បាប់ស្តីពីវិសោធនកម្ម"
LAWS = [
    ("election:1998-national-assembly", dt.date(1997, 12, 26), LEMNA_EN, LEMNA_KM, ["na"]),
    ("election:2002-commune", dt.date(2001, 3, 19), LECC_EN, LECC_KM, ["commune"]),
    ("election:2002-commune", dt.date(2001, 3, 19), "Law on the Administration and Management of Communes/Sangkats",
     "ច្បាប់ស្តីពីការគ្រប់គ្រងរដ្ឋបាលឃុំ សង្កាត់", ["commune"]),
    ("election:2003-national-assembly", dt.date(2002, 9, 17), AMEND_EN + LEMNA_EN + " (2002)",
     AMEND_KM + LEMNA_KM + " (ឆ្នាំ២០០២)", ["na"]),
    ("election:2006-senate", dt.date(2005, 12, 20), LES_EN, LES_KM, ["senate"]),
    ("election:2007-commune", dt.date(2006, 11, 6), AMEND_EN + LECC_EN + " (2006)",
     AMEND_KM + LECC_KM + " (ឆ្នាំ២០០៦)", ["commune"]),
    ("election:2008-national-assembly", dt.date(2006, 11, 6), AMEND_EN + LEMNA_EN + " (2006)",
     AMEND_KM + LEMNA_KM + " (ឆ្នាំ២០០៦)", ["na"]),
    ("election:2013-national-assembly", dt.date(2011, 12, 2), AMEND_EN + LEMNA_EN + " (2011)",
     AMEND_KM + LEMNA_KM + " (ឆ្នាំ២០១១)", ["na"]),
    ("election:2017-commune", dt.date(2015, 4, 1), "Law on the Organisation and Functioning of the National Election Committee",
     "ច្បាប់ស្តីពីការរៀបចំ និងការប្រព្រឹត្តទៅនៃគណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត", ["nec", "admin"]),
    ("election:2018-national-assembly", dt.date(2015, 3, 26), LEMNA_EN + " (2015)", LEMNA_KM + " (ឆ្នាំ២០១៥)", ["na"]),
    ("election:2017-commune", dt.date(2016, 2, 11), AMEND_EN + LECC_EN + " (2016)",
     AMEND_KM + LECC_KM + " (ឆ្នាំ២០១៦)", ["commune"]),
    ("election:2018-national-assembly", dt.date(2017, 10, 20), AMEND_EN + LEMNA_EN + " (2017)",
     AMEND_KM + LEMNA_KM + " (ឆ្នាំ២០១៧)", ["na", "parties"]),
    ("election:2018-senate", dt.date(2017, 10, 20), AMEND_EN + LES_EN + " (2017)",
     AMEND_KM + LES_KM + " (ឆ្នាំ២០១៧)", ["senate"]),
    ("election:2023-national-assembly", dt.date(2023, 6, 26), AMEND_EN + LEMNA_EN + " (2023)",
     AMEND_KM + LEMNA_KM + " (ឆ្នាំ២០២៣)", ["na", "candidates"]),
    ("election:2024-senate", dt.date(2023, 11, 16), AMEND_EN + LES_EN + " (2023)",
     AMEND_KM + LES_KM + " (ឆ្នាំ២០២៣)", ["senate"]),
]

# Archival documents for 1993, when UNTAC organised the election.
ARCHIVE_1993 = [
    ("law", dt.date(1992, 8, 12),
     "Electoral Law for the Election of the Constituent Assembly (UNTAC, 1992), Archival Copy",
     "ច្បាប់បោះឆ្នោតសម្រាប់ការបោះឆ្នោតជ្រើសតាំងសភាធម្មនុញ្ញ (អ៊ុនតាក់ ឆ្នាំ១៩៩២) ច្បាប់ចម្លងបណ្ណសារ",
     ["law"], "km"),
    ("leaflet", dt.date(1993, 3, 15),
     "Leaflet: How to Vote in the 1993 Election (UNTAC), Archival Copy",
     "ខិត្តប័ណ្ណ៖ របៀបបោះឆ្នោតក្នុងការបោះឆ្នោតឆ្នាំ១៩៩៣ (អ៊ុនតាក់) ច្បាប់ចម្លងបណ្ណសារ",
     ["education"], "bilingual"),
    ("poster", dt.date(1993, 4, 1),
     "Poster: Your Vote Is Secret (UNTAC, 1993), Archival Copy",
     "ផ្ទាំងរូបភាព៖ ការបោះឆ្នោតរបស់អ្នកជាការសម្ងាត់ (អ៊ុនតាក់ ឆ្នាំ១៩៩៣) ច្បាប់ចម្លងបណ្ណសារ",
     ["education"], "km"),
    ("bulletin", dt.date(1993, 6, 10),
     "Results of the 1993 Constituent Assembly Election, Archival Compilation",
     "លទ្ធផលនៃការបោះឆ្នោតជ្រើសតាំងសភាធម្មនុញ្ញ ឆ្នាំ១៩៩៣ ឯកសារបណ្ណសារ",
     ["results"], "bilingual"),
    ("magazine", dt.date(2013, 5, 23),
     "NEC Magazine: Twenty Years of Elections in Cambodia, 1993–2013",
     "ទស្សនាវដ្ដី គ.ជ.ប៖ ម្ភៃឆ្នាំនៃការបោះឆ្នោតនៅកម្ពុជា ១៩៩៣–២០១៣",
     ["nec", "results"], "bilingual"),
]

# Document language, by kind: weights for km, bilingual, en.
LANG_WEIGHTS = {
    "royal-decree": (90, 10, 0), "sub-decree": (90, 10, 0), "law": (85, 15, 0),
    "regulation": (55, 30, 15), "procedure": (60, 25, 15), "bulletin": (45, 40, 15),
    "magazine": (50, 40, 10), "poster": (100, 0, 0), "leaflet": (55, 25, 20),
}
TRANSLATED_KINDS = ("law", "royal-decree", "sub-decree", "regulation")


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------

class Record:
    def __init__(self, kind, election, date, en, km, subjects, lang, contributor=None,
                 descr=None):
        self.kind, self.election, self.date = kind, election, date
        self.en, self.km = en, km
        self.subjects = subjects
        self.lang = lang  # "km", "en" or "bilingual"
        self.contributor = contributor
        self.descr = descr  # (en, km) or None for the kind's sentence
        self.local_id = None
        self.relations = []
        self.translation_of = None
        self.created = None
        self.datestamp = None
        self.deleted = False
        self.old_rights = False

    def url(self):
        return BASE_URL + self.local_id

    def values(self):
        """[(element, seq, value, lang)] in cataloguing order."""
        e = self.election
        en_first = self.lang == "en"
        out = []

        def add(element, value, lang=None):
            seq = 1 + sum(1 for v in out if v[0] == element)
            out.append((element, seq, value, lang))

        def pair(element, en, km):
            for value, lang in ((en, "en"), (km, "km")) if en_first else ((km, "km"), (en, "en")):
                add(element, value, lang)

        pair("title", self.en, self.km)
        pair("creator", NEC_EN, NEC_KM)
        subjects = ["na" if e.body == "na" else e.body] + [s for s in self.subjects if s != e.body]
        for key in dict.fromkeys(subjects[:3]):
            pair("subject", *SUBJECTS[key])
        if self.descr:
            d_en, d_km = self.descr
        else:
            d_en, d_km = KIND_SENTENCE[self.kind]
            d_en, d_km = d_en.format(E=e.en), d_km.format(Ek=e.km)
        if self.translation_of:
            d_en += " Unofficial English translation published for observers and development partners."
            d_km += " ការបកប្រែជាភាសាអង់គ្លេសក្រៅផ្លូវការ សម្រាប់អ្នកសង្កេតការណ៍ និងដៃគូអភិវឌ្ឍន៍។"
        pair("description", d_en, d_km)
        pair("publisher", PUBLISHER_EN, PUBLISHER_KM)
        if self.contributor:
            pair("contributor", *self.contributor)
        add("date", self.date.isoformat())
        _name, _km, dcmi, label, fmt = KINDS[self.kind]
        add("type", dcmi)
        add("type", label, "en")
        add("format", fmt)
        add("identifier", self.url())
        for lang in {"km": ["km"], "en": ["en"], "bilingual": ["km", "en"]}[self.lang]:
            add("language", lang)
        for rel in self.relations:
            add("relation", rel.url())
        pair("coverage", "Cambodia", "កម្ពុជា")
        add("rights", RIGHTS_OLD_EN if self.old_rights else RIGHTS_EN, "en")
        return out

    def sets(self):
        return [f"type:{self.kind}", self.election.spec, f"lang:{self.lang}"]


def pick_lang(rng, kind):
    return rng.choices(["km", "bilingual", "en"], weights=LANG_WEIGHTS[kind])[0]


def make_records(rng):
    records = []
    e1993 = ELECTION_BY_SPEC["election:1993-national-assembly"]
    for kind, date, en, km, subjects, lang in ARCHIVE_1993:
        descr = None
        if kind != "magazine":
            descr = ("Archival copy, kept by the National Election Committee, of a document of the 1993 "
                     "Constituent Assembly election organised by UNTAC.",
                     "ច្បាប់ចម្លងបណ្ណសារ ដែលរក្សាទុកដោយគណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត នៃឯកសារនៃ"
                     "ការបោះឆ្នោតជ្រើសតាំងសភាធម្មនុញ្ញឆ្នាំ១៩៩៣ ដែលរៀបចំដោយអ៊ុនតាក់។")
        records.append(Record(kind, e1993, date, en, km, subjects, lang,
                              UNTAC if kind != "magazine" else None, descr))
    for spec, date, en, km, subjects in LAWS:
        records.append(Record("law", ELECTION_BY_SPEC[spec], date, en, km, ["law"] + subjects,
                              pick_lang(rng, "law"), ASSEMBLY))
    for e in ELECTIONS:
        if not e.weight:
            continue
        usable = [t for t in TEMPLATES if e.body in t.bodies]
        chosen = [t for t in usable if t.key in ALWAYS]
        rest = [t for t in usable if t.key not in ALWAYS]
        chosen += rng.sample(rest, min(len(rest), e.weight - len(chosen)))
        for t in chosen:
            date = e.day + dt.timedelta(days=rng.randint(*t.offsets))
            records.append(Record(t.kind, e, date, t.en.format(E=e.en), t.km.format(Ek=e.km),
                                  t.subjects, pick_lang(rng, t.kind), t.contributor))
    # Unofficial English translations of some Khmer-only legal texts.
    for r in list(records):
        if r.kind in TRANSLATED_KINDS and r.lang == "km" and r.election.year > 1993 \
                and rng.random() < 0.3:
            tr = Record(r.kind, r.election, r.date + dt.timedelta(days=rng.randint(0, 40)),
                        r.en + " (Unofficial English Translation)",
                        r.km + " (ការបកប្រែជាភាសាអង់គ្លេស)", r.subjects, "en", r.contributor, r.descr)
            tr.translation_of = r
            r.relations.append(tr)
            tr.relations.append(r)
            records.append(tr)
    # local_id: nec-<year of the document>-<kind>-<NNNN>, numbered by date.
    records.sort(key=lambda r: (r.date, r.kind, r.translation_of is not None, r.en))
    counters = {}
    for r in records:
        key = (r.date.year, r.kind)
        counters[key] = counters.get(key, 0) + 1
        r.local_id = f"nec-{r.date.year}-{r.kind}-{counters[key]:04d}"
    return records


def random_time(rng, day, earliest_hour=1, latest_hour=10):
    """A whole second during NEC office hours (08:00-17:00 Phnom Penh = 01-10 UTC)."""
    return dt.datetime(day.year, day.month, day.day) + dt.timedelta(
        seconds=rng.randint(earliest_hour * 3600, latest_hour * 3600 - 1))


def assign_history(rng, records):
    # The initial import: one batch per election, every record of a batch
    # sharing its second.
    old = [r for r in records if r.date < dt.date(2019, 1, 1)]
    batches = {}
    for r in old:
        batches.setdefault(r.election.spec, []).append(r)
    when = FIRST_IMPORT
    for spec in sorted(batches, key=lambda s: (ELECTION_BY_SPEC[s].day, s)):
        for r in batches[spec]:
            r.created = when
        when += dt.timedelta(days=rng.randint(6, 15), seconds=rng.randint(-3600, 3600))
    # Later documents: added a few days after publication; a translation
    # often in the same second as its original, a run of posters or leaflets
    # of one election often in one upload.
    new = [r for r in records if r.created is None]
    new.sort(key=lambda r: (r.date, r.local_id))
    group_time = {}
    for r in new:
        orig = r.translation_of
        if orig is not None and orig.created is not None and orig.created.date() >= r.date \
                and rng.random() < 0.6:
            r.created = orig.created
            continue
        key = (r.election.spec, r.kind)
        if r.kind in ("poster", "leaflet") and key in group_time and rng.random() < 0.7 \
                and group_time[key].date() >= r.date:
            r.created = group_time[key]
            continue
        r.created = random_time(rng, r.date + dt.timedelta(days=rng.randint(0, 21)))
        if r.kind in ("poster", "leaflet"):
            group_time[key] = r.created
    for r in records:
        assert r.created is not None and r.created.date() >= r.date or r.date < dt.date(2019, 1, 1), r.local_id
        r.datestamp = r.created
    # Later edits.
    for r in records:
        if rng.random() < 0.12:
            r.datestamp = min(LAST_DATESTAMP, r.created + dt.timedelta(
                days=rng.randint(1, 900), seconds=rng.randint(0, 86399)))
    # A rights-statement correction, one transaction: older records that
    # still carried the old wording got the new one on RIGHTS_FIX.
    candidates = [r for r in records if r.created < RIGHTS_FIX and r.datestamp < RIGHTS_FIX]
    for r in rng.sample(candidates, 30):
        r.datestamp = RIGHTS_FIX
    # Records not in that batch that predate it keep the old wording in a few cases.
    for r in records:
        if r.datestamp < RIGHTS_FIX and rng.random() < 0.08:
            r.old_rights = True
    # Tombstones (never the first record, which Identify shows as a sample).
    order = insertion_order(rng, records)
    for r in rng.sample(order[1:], round(len(records) * 0.05)):
        r.deleted = True
        r.datestamp = min(LAST_DATESTAMP, max(r.datestamp, r.created) + dt.timedelta(
            days=rng.randint(20, 1200), seconds=rng.randint(0, 86399)))
    return order


def insertion_order(rng, records):
    """Ids follow the order records entered the library; within one upload
    the order is arbitrary, so id order differs from local_id order."""
    keyed = [(r.created, rng.random(), r) for r in records]
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [k[2] for k in keyed]


# --------------------------------------------------------------------------
# SQL
# --------------------------------------------------------------------------

def q(s):
    if s is None:
        return "NULL"
    assert "\\" not in s and "\0" not in s
    return "'" + s.replace("'", "''") + "'"


def ts(t):
    return t.strftime("%Y-%m-%d %H:%M:%S+00")


def check_text(s):
    assert unicodedata.normalize("NFC", s) == s, s
    assert s == s.strip() and "  " not in s, repr(s)
    return s


HEADER = """\
-- Generated by scripts/gen-demo-sql.py: edit that, then run it; do not edit
-- this file by hand. Synthetic demonstration data for the NEC E-Library.
-- Loaded, with the other sql/demo files and in one transaction, by
-- scripts/db-load-demo.
"""


def sets_sql():
    lines = [HEADER, "SET client_encoding = 'UTF8';", "",
             "-- Parents before children: sets.parent must exist. Sets that",
             "-- already exist (same spec) are left as they are.", ""]
    rows = set_rows()
    lines.append("INSERT INTO sets (spec, name) VALUES")
    lines.append(",\n".join(f"    ({q(spec)}, {q(check_text(name))})" for spec, name, _ in rows))
    lines.append("ON CONFLICT (spec) DO NOTHING;")
    lines.append("")
    lines.append("INSERT INTO set_descriptions (spec, seq, value, lang) VALUES")
    descs = []
    for spec, _name, ds in rows:
        for seq, (value, lang) in enumerate(ds, 1):
            descs.append(f"    ({q(spec)}, {seq}, {q(check_text(value))}, {q(lang)})")
    lines.append(",\n".join(descs))
    lines.append("ON CONFLICT (spec, seq) DO NOTHING;")
    return "\n".join(lines) + "\n", len(rows)


def records_sql(order):
    lines = [HEADER.rstrip("\n"),
             f"-- demo-sentinel: {order[0].local_id}",
             "-- (db-load-demo skips loading when a record with this local_id exists.)",
             "",
             "SET client_encoding = 'UTF8';",
             ""]
    for r in order:
        lid = q(r.local_id)
        lines.append(f"-- {r.local_id}: {r.en}")
        lines.append(f"INSERT INTO records (local_id, deleted) VALUES ({lid}, {'true' if r.deleted else 'false'});")
        lines.append("INSERT INTO record_values (record_id, element, seq, value, lang)")
        lines.append("SELECT r.id, v.element, v.seq, v.value, v.lang FROM records r, (VALUES")
        vals = [f"    ({q(el)}, {seq}, {q(check_text(val))}, {q(lang)})" for el, seq, val, lang in r.values()]
        lines.append(",\n".join(vals))
        lines.append(f") AS v (element, seq, value, lang) WHERE r.local_id = {lid};")
        lines.append("INSERT INTO record_sets (record_id, spec)")
        arr = ", ".join(q(s) for s in r.sets())
        lines.append(f"SELECT id, unnest(ARRAY[{arr}]) FROM records WHERE local_id = {lid};")
        lines.append("")
    lines += [
        "-- History. The inserts above moved every datestamp to the current second",
        "-- (trigger record_child_touch); an UPDATE that changes only datestamp and",
        "-- created_at fires no touch logic (records_touch looks at local_id and",
        "-- deleted), so this sets the datestamps for good.",
        "CREATE TEMPORARY TABLE demo_history (local_id text PRIMARY KEY, created_at timestamptz NOT NULL,",
        "                                     datestamp timestamptz NOT NULL) ON COMMIT DROP;",
        "INSERT INTO demo_history (local_id, created_at, datestamp) VALUES",
        ",\n".join(f"    ({q(r.local_id)}, {q(ts(r.created))}, {q(ts(r.datestamp))})" for r in order) + ";",
        "UPDATE records r SET created_at = h.created_at, datestamp = h.datestamp",
        "  FROM demo_history h WHERE r.local_id = h.local_id;",
        "DO $$",
        "BEGIN",
        "    IF EXISTS (SELECT 1 FROM records r JOIN demo_history h USING (local_id)",
        "                WHERE r.datestamp <> h.datestamp) THEN",
        "        RAISE EXCEPTION 'demo data: datestamps were not restored';",
        "    END IF;",
        "END $$;",
    ]
    return "\n".join(lines) + "\n"


def records_jsonl(order):
    """One JSON object per record, in the shape oai-admin imports."""
    lines = []
    for r in order:
        obj = {"id": r.local_id, "sets": r.sets(), "deleted": r.deleted}
        for element, _seq, value, lang in r.values():
            obj.setdefault(element, []).append(
                {"value": check_text(value), "lang": lang} if lang else value)
        lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only check that the files are up to date")
    ap.add_argument("--stats", action="store_true", help="print statistics")
    args = ap.parse_args()

    rng = random.Random(SEED)
    records = make_records(rng)
    order = assign_history(rng, records)
    assert len({r.local_id for r in records}) == len(records)
    assert len({r.en for r in records}) == len(records), "duplicate English titles"
    assert len({r.km for r in records}) == len(records), "duplicate Khmer titles"
    for r in records:
        assert all(c.islower() or c.isdigit() or c == "-" for c in r.local_id), r.local_id
        assert r.created <= r.datestamp <= LAST_DATESTAMP, r.local_id
        assert r.datestamp >= FIRST_IMPORT, r.local_id
    assert not order[0].deleted

    sets_text, n_sets = sets_sql()
    files = {OUT_DIR / "010_sets.sql": sets_text, OUT_DIR / "020_records.sql": records_sql(order),
             DATA_DIR / "nec-sample.jsonl": records_jsonl(order)}
    if args.check:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"{p.relative_to(ROOT)} is out of date: run scripts/gen-demo-sql.py", file=sys.stderr)
        return 1 if stale else 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for p, text in files.items():
        p.write_text(text, encoding="utf-8")
    deleted = sum(r.deleted for r in records)
    stamps = {r.datestamp for r in records}
    print(f"wrote {len(records)} records ({deleted} deleted, {len(stamps)} distinct datestamps), "
          f"{n_sets} sets")
    if args.stats:
        for label, key in (("kind", lambda r: r.kind), ("language", lambda r: r.lang),
                           ("election", lambda r: r.election.spec)):
            counts = {}
            for r in records:
                counts[key(r)] = counts.get(key(r), 0) + 1
            print(f"by {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        print(f"datestamps {min(stamps)} .. {max(stamps)}; sentinel {order[0].local_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
