/* oai_types.c - names of verbs and error codes. */
#include "oai_types.h"

#include <stdarg.h>
#include <stdio.h>

const char *oai_verb_name(oai_verb v)
{
    switch (v) {
    case VERB_IDENTIFY:
        return "Identify";
    case VERB_LIST_METADATA_FORMATS:
        return "ListMetadataFormats";
    case VERB_LIST_SETS:
        return "ListSets";
    case VERB_LIST_IDENTIFIERS:
        return "ListIdentifiers";
    case VERB_LIST_RECORDS:
        return "ListRecords";
    case VERB_GET_RECORD:
        return "GetRecord";
    case VERB_NONE:
        break;
    }
    return NULL;
}

const char *oai_error_name(oai_error_code c)
{
    switch (c) {
    case OAI_BAD_ARGUMENT:
        return "badArgument";
    case OAI_BAD_RESUMPTION_TOKEN:
        return "badResumptionToken";
    case OAI_BAD_VERB:
        return "badVerb";
    case OAI_CANNOT_DISSEMINATE_FORMAT:
        return "cannotDisseminateFormat";
    case OAI_ID_DOES_NOT_EXIST:
        return "idDoesNotExist";
    case OAI_NO_RECORDS_MATCH:
        return "noRecordsMatch";
    case OAI_NO_METADATA_FORMATS:
        return "noMetadataFormats";
    case OAI_NO_SET_HIERARCHY:
        return "noSetHierarchy";
    case OAI_OK:
        break;
    }
    return NULL;
}

void oai_error_set(oai_error *e, oai_error_code code, const char *fmt, ...)
{
    va_list ap;

    e->code = code;
    e->n_more = 0;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

void oai_error_add(oai_error *e, oai_error_code code, const char *fmt, ...)
{
    char *message;
    size_t size;
    va_list ap;

    if (e->code == OAI_OK) {
        e->code = code;
        e->n_more = 0;
        message = e->message;
        size = sizeof(e->message);
    } else if (e->n_more < OAI_MAX_ERRORS - 1) {
        e->more[e->n_more].code = code;
        message = e->more[e->n_more].message;
        size = sizeof(e->more[e->n_more].message);
        e->n_more++;
    } else {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(message, size, fmt, ap);
    va_end(ap);
}

int oai_error_count(const oai_error *e)
{
    return e->code == OAI_OK ? 0 : 1 + e->n_more;
}

oai_error_code oai_error_code_at(const oai_error *e, int i)
{
    return i == 0 ? e->code : e->more[i - 1].code;
}

const char *oai_error_message_at(const oai_error *e, int i)
{
    return i == 0 ? e->message : e->more[i - 1].message;
}

int oai_error_has(const oai_error *e, oai_error_code code)
{
    int i, n = oai_error_count(e);

    for (i = 0; i < n; i++)
        if (oai_error_code_at(e, i) == code)
            return 1;
    return 0;
}
