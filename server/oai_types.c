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
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}
