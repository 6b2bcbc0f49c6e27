#!/usr/bin/perl
# Harvests every identifier of an OAI-PMH repository with HTTP::OAI, the
# third-party Perl harvester (Debian: libhttp-oai-perl). Driven by
# test_httpoai.py, which starts the cluster and the server and compares the
# output with the database.
#
#   perl httpoai_harvest.pl BASEURL
#
# Output, one line each:
#   IDENTIFY <repositoryName>\t<baseURL>\t<granularity>\t<deletedRecord>
#   ID <identifier>\t<datestamp>\t<deleted|->\t<setSpecs, space-separated>
#   PAGE <n>\t<cursor>\t<completeListSize>     (for every page after the first)
#   AUTO <count>                                (identifiers seen by the library's own resumption loop)
# Exit status 0, or 1 with a message on stderr on any OAI or HTTP error.
use strict;
use warnings;
use HTTP::OAI;

binmode(STDOUT, ':encoding(UTF-8)');
my $base = shift @ARGV or die "usage: $0 BASEURL\n";

sub fail {
    my ($what, $r) = @_;
    my @errs = map { $_->code . ': ' . ($_->message // '') } $r->errors;
    print STDERR "$what failed: ", $r->code, ' ', ($r->message // ''), "\n",
        join("\n", @errs), "\n";
    exit 1;
}

my $h = HTTP::OAI::Harvester->new(baseURL => $base, resume => 0);

my $id = $h->Identify;
fail('Identify', $id) if $id->is_error || $id->errors;
$h->repository($id);
printf "IDENTIFY %s\t%s\t%s\t%s\n", $id->repositoryName, $id->baseURL, $id->granularity,
    $id->deletedRecord;

# Manual resumption: every page, with its token's attributes.
my $r = $h->ListIdentifiers(metadataPrefix => 'oai_dc');
my $page = 1;
while (1) {
    fail("ListIdentifiers page $page", $r) if $r->is_error || $r->errors;
    while (my $hd = $r->next) {
        printf "ID %s\t%s\t%s\t%s\n", $hd->identifier, $hd->datestamp,
            ($hd->status // '') eq 'deleted' ? 'deleted' : '-', join(' ', $hd->setSpec);
    }
    my $tok = $r->resumptionToken;
    last unless defined $tok && length($tok->resumptionToken // '');
    $r = $h->ListIdentifiers(resumptionToken => $tok->resumptionToken);
    $page++;
    my $t = $r->resumptionToken;
    printf "PAGE %d\t%s\t%s\n", $page, (defined $t ? $t->cursor // '' : ''),
        (defined $t ? $t->completeListSize // '' : '');
}

# The library's own resumption loop, with a callback per header.
my $auto = 0;
my $h2 = HTTP::OAI::Harvester->new(baseURL => $base);
$h2->repository($id);
my $r2 = $h2->ListIdentifiers(metadataPrefix => 'oai_dc', onRecord => sub { $auto++ });
fail('ListIdentifiers (automatic resumption)', $r2) if $r2->is_error || $r2->errors;
print "AUTO $auto\n";
exit 0;
