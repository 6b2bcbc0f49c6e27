/*
 * generate.c - N synthetic NEC records for benchmarks and tests:
 *
 *   oai-admin generate N [--seed S] [--format csv|jsonl] > FILE
 *
 * Deterministic: record i depends only on (seed, i), through splitmix64,
 * so the same arguments always give the same bytes. Every record passes
 * the profile without warnings, in sets type:<kind> (the demo's sets).
 */
#include "admin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static const struct {
    const char *slug, *en, *km, *dcmi, *format;
} kinds[] = {
    {"royal-decree", "Royal Decree", "ព្រះរាជក្រឹត្យ", "Text", "application/pdf"},
    {"sub-decree", "Sub-Decree", "អនុក្រឹត្យ", "Text", "application/pdf"},
    {"law", "Law", "ច្បាប់", "Text", "application/pdf"},
    {"regulation", "Regulation", "បទបញ្ជា", "Text", "application/pdf"},
    {"procedure", "Procedure", "នីតិវិធី", "Text", "application/pdf"},
    {"bulletin", "Bulletin", "ព្រឹត្តិបត្រ", "Text", "application/pdf"},
    {"magazine", "Magazine", "ទស្សនាវដ្ដី", "Text", "application/pdf"},
    {"poster", "Poster", "ផ្ទាំងរូបភាព", "StillImage", "image/jpeg"},
    {"leaflet", "Leaflet", "ខិត្តប័ណ្ណ", "Text", "application/pdf"},
};

static const struct {
    const char *en, *km;
} topics[] = {
    {"voter registration", "ការចុះឈ្មោះបោះឆ្នោត"},
    {"polling stations", "ការិយាល័យបោះឆ្នោត"},
    {"vote counting", "ការរាប់សន្លឹកឆ្នោត"},
    {"election campaign", "យុទ្ធនាការឃោសនាបោះឆ្នោត"},
    {"election results", "លទ្ធផលបោះឆ្នោត"},
    {"electoral complaints", "បណ្ដឹងតវ៉ាការបោះឆ្នោត"},
    {"election observers", "អ្នកសង្កេតការណ៍បោះឆ្នោត"},
    {"voter education", "ការអប់រំអ្នកបោះឆ្នោត"},
    {"candidate lists", "បញ្ជីបេក្ខជន"},
    {"political parties", "គណបក្សនយោបាយ"},
};

#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))
#define N_TOPICS (sizeof(topics) / sizeof(topics[0]))

static const char rights[] =
    "Public domain: official publication of the National Election Committee of Cambodia";
static const char nec_km[] = "គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត";
static const char nec_en[] = "National Election Committee";

typedef struct {
    char id[64], title_km[256], title_en[256], desc[256], date[16], url[128], sets[64];
    const char *kind_en, *dcmi, *format, *topic_km, *topic_en;
} synth;

/* Khmer digits for n. */
static void km_num(unsigned long n, char *out, size_t cap)
{
    char ascii[24];
    size_t o = 0;

    snprintf(ascii, sizeof(ascii), "%lu", n);
    for (const char *p = ascii; *p && o + 4 < cap; p++) {
        /* U+17E0..U+17E9 */
        out[o++] = (char)0xE1, out[o++] = (char)0x9F, out[o++] = (char)(0xA0 + (*p - '0'));
    }
    out[o] = '\0';
}

static void make(synth *s, unsigned long long seed, unsigned long i)
{
    uint64_t st = seed * 0x100000001B3ULL ^ i;
    uint64_t r1 = splitmix64(&st), r2 = splitmix64(&st);
    unsigned k = (unsigned)(r1 % N_KINDS), t = (unsigned)((r1 >> 16) % N_TOPICS);
    unsigned year = 1993 + (unsigned)((r1 >> 32) % 33);
    unsigned month = 1 + (unsigned)(r2 % 12), day = 1 + (unsigned)((r2 >> 8) % 28);
    char num[64];

    km_num(i, num, sizeof(num));
    snprintf(s->id, sizeof(s->id), "syn-%u-%s-%07lu", year, kinds[k].slug, i);
    snprintf(s->title_km, sizeof(s->title_km), "%s លេខ %s ស្តីពី%s", kinds[k].km, num, topics[t].km);
    snprintf(s->title_en, sizeof(s->title_en), "%s No. %lu/%u on %s", kinds[k].en, i, year,
             topics[t].en);
    snprintf(s->desc, sizeof(s->desc),
             "Synthetic record %lu for benchmarks and tests: a %s on %s from %u.", i, kinds[k].en,
             topics[t].en, year);
    snprintf(s->date, sizeof(s->date), "%u-%02u-%02u", year, month, day);
    snprintf(s->url, sizeof(s->url), "https://elibrary.nec.gov.kh/items/%s", s->id);
    snprintf(s->sets, sizeof(s->sets), "type:%s", kinds[k].slug);
    s->kind_en = kinds[k].en;
    s->dcmi = kinds[k].dcmi;
    s->format = kinds[k].format;
    s->topic_km = topics[t].km;
    s->topic_en = topics[t].en;
}

static void write_csv(FILE *out, const synth *s)
{
    /* No value holds a comma, a quote or a line break: no quoting needed. */
    fprintf(out, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s||%s,%s,%s,km,%s\n", s->id, s->sets, s->title_km,
            s->title_en, nec_km, nec_en, s->topic_km, s->topic_en, s->desc, s->date, s->dcmi,
            s->kind_en, s->format, s->url, rights);
}

static void write_jsonl(FILE *out, const synth *s)
{
    fprintf(out,
            "{\"id\":\"%s\",\"sets\":[\"%s\"],"
            "\"title\":[{\"value\":\"%s\",\"lang\":\"km\"},{\"value\":\"%s\",\"lang\":\"en\"}],"
            "\"creator\":[{\"value\":\"%s\",\"lang\":\"km\"},{\"value\":\"%s\",\"lang\":\"en\"}],"
            "\"subject\":[{\"value\":\"%s\",\"lang\":\"km\"},{\"value\":\"%s\",\"lang\":\"en\"}],"
            "\"description\":{\"value\":\"%s\",\"lang\":\"en\"},\"date\":\"%s\","
            "\"type\":[\"%s\",\"%s\"],\"format\":\"%s\",\"identifier\":\"%s\","
            "\"language\":\"km\",\"rights\":\"%s\"}\n",
            s->id, s->sets, s->title_km, s->title_en, nec_km, nec_en, s->topic_km, s->topic_en,
            s->desc, s->date, s->dcmi, s->kind_en, s->format, s->url, rights);
}

int cmd_generate(const adm_opts *o, int argc, char **argv)
{
    static char buf[1 << 20];
    char *end;
    unsigned long n;
    bool csv = o->format != FMT_JSONL;
    synth s;

    if (argc != 1 || (n = strtoul(argv[0], &end, 10), *end != '\0') ||
        (o->format != FMT_AUTO && o->format != FMT_CSV && o->format != FMT_JSONL)) {
        fprintf(stderr, "oai-admin: usage: generate N [--seed S] [--format csv|jsonl]\n");
        return ADM_USAGE;
    }
    setvbuf(stdout, buf, _IOFBF, sizeof(buf));
    if (csv)
        fputs("id,sets,title@km,title@en,creator@km,creator@en,subject@km,subject@en,"
              "description@en,date,type,format,identifier,language,rights\n",
              stdout);
    for (unsigned long i = 1; i <= n; i++) {
        make(&s, o->seed, i);
        if (csv)
            write_csv(stdout, &s);
        else
            write_jsonl(stdout, &s);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("oai-admin: generate: writing");
        return ADM_FAILED;
    }
    return ADM_OK;
}
