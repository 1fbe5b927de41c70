#!/usr/bin/perl
# sbom.pl STATUS_D ENTRIES LAYER LOCK_SHA256 EPOCH FLAVOR MINOR > x.cdx.json
# A CycloneDX 1.5 SBOM of the packages recorded in STATUS_D for one image layer. Deterministic:
# the serial number is a UUID made of the lock's sha256, the timestamp is SOURCE_DATE_EPOCH,
# components are sorted by name. Plain perl-base: no JSON module in the assembly stage.
use strict;
use warnings;
my ($statusd, $entries, $layer, $locksha, $epoch, $flavor, $minor) = @ARGV;

sub js { my $s = shift; $s =~ s/(["\\])/\\$1/g; $s =~ s/\n/\\n/g; $s =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord $1)/ge; return "\"$s\""; }
sub pct { my $s = shift; $s =~ s/([^A-Za-z0-9.\-_~])/sprintf('%%%02X', ord $1)/ge; return $s; }

my %sha;
open(my $e, '<', $entries) or die "$entries: $!";
while (<$e>) { chomp; my @f = split /\t/; $sha{"$f[0]/$f[1]"} = $f[4]; }
close $e;

opendir(my $d, $statusd) or die "$statusd: $!";
my @pkgs = sort grep { !/^\./ && !/\.md5sums$/ } readdir $d;
closedir $d;
my @components;
my $pyver = '';
for my $p (@pkgs) {
    open(my $fh, '<', "$statusd/$p") or die;
    my %f; my $last;
    while (my $l = <$fh>) {
        chomp $l;
        if ($l =~ /^\s/) { next; }
        if ($l =~ /^([A-Za-z0-9-]+):\s*(.*)$/) { $f{$1} = $2; }
    }
    close $fh;
    my $ver = $f{Version} // '';
    my ($ep, $v) = $ver =~ /^(\d+):(.*)$/ ? ($1, $2) : (undef, $ver);
    my $arch = $f{Architecture} // '';
    my $purl = 'pkg:deb/debian/' . pct($p) . '@' . pct($v) . '?arch=' . $arch . '&distro=debian-13' . (defined $ep ? "&epoch=$ep" : '');
    my ($src) = ($f{Source} // $p) =~ /^(\S+)/;
    $pyver = $v if $p eq "python$minor-minimal";
    my @props = ("{\"name\":\"debian:source\",\"value\":" . js($src) . "}");
    my $c = "    {\"type\":\"library\",\"bom-ref\":" . js($purl) . ",\"name\":" . js($p) . ",\"version\":" . js($ver)
          . ",\"purl\":" . js($purl);
    $c .= ",\"hashes\":[{\"alg\":\"SHA-256\",\"content\":\"$sha{\"$layer/$p\"}\"}]" if $sha{"$layer/$p"};
    $c .= ",\"properties\":[" . join(',', @props) . "]}";
    push @components, $c;
}
# Upstream flavour: CPython is no Debian package; image/cpython/payload.sh leaves its
# component (name, version, purl pkg:generic/cpython, source URL, sha256) in the runtime root.
(my $root = $statusd) =~ s{/var/lib/dpkg/status\.d/?$}{};
if (open(my $cf, '<', "$root/usr/local/share/cpython/cdx-component.json")) {
    my $c = <$cf>; close $cf; chomp $c;
    ($pyver) = $c =~ /"name":"cpython","version":"([^"]+)"/;
    push @components, $c;
}
my $h = $locksha;
my $uuid = substr($h, 0, 8) . '-' . substr($h, 8, 4) . '-5' . substr($h, 13, 3) . '-' . sprintf('%x', (hex(substr($h, 16, 1)) & 3) | 8) . substr($h, 17, 3) . '-' . substr($h, 20, 12);
my @t = gmtime($epoch);
my $ts = sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ', $t[5] + 1900, $t[4] + 1, $t[3], $t[2], $t[1], $t[0]);
my $imgname = $flavor eq 'debian' ? 'python-debian' : 'python';
print "{\n";
print "  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.5\",\n  \"serialNumber\": \"urn:uuid:$uuid\",\n  \"version\": 1,\n";
print "  \"metadata\": {\"timestamp\": \"$ts\", \"component\": {\"type\": \"container\", \"bom-ref\": \"image\", \"name\": " . js($imgname) . ", \"version\": " . js($pyver || $minor) . ", \"properties\": [{\"name\": \"layer\", \"value\": " . js($layer) . "}, {\"name\": \"lock:sha256\", \"value\": \"$locksha\"}]}},\n";
print "  \"components\": [\n" . join(",\n", @components) . "\n  ]\n}\n";
