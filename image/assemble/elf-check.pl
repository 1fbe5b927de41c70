#!/usr/bin/perl
# elf-check.pl ROOT: every ELF file under ROOT must find its interpreter (PT_INTERP) and every
# DT_NEEDED library inside ROOT (library dirs from ROOT/etc/ld.so.conf.d, the default dirs and
# RUNPATH/RPATH with $ORIGIN), following symlinks inside ROOT, never the build host's.
# Plain perl-base (no modules beyond strict/warnings): the assembly stage has nothing else.
use strict;
use warnings;

my $root = shift or die "usage: elf-check.pl ROOT\n";
$root =~ s{/+$}{};

# Resolve PATH (absolute, inside ROOT) following symlinks relative to ROOT. Returns the
# in-root path of an existing file, or undef.
sub resolve {
    my ($path) = @_;
    for (my $hops = 0; $hops < 40; $hops++) {
        my @parts = grep { $_ ne '' && $_ ne '.' } split m{/}, $path;
        my @done;
        my $restart = 0;
        while (@parts) {
            my $p = shift @parts;
            if ($p eq '..') { pop @done; next; }
            my $cand = '/' . join('/', @done, $p);
            if (-l "$root$cand") {
                my $t = readlink "$root$cand";
                my $base = '/' . join('/', @done);
                $path = ($t =~ m{^/}) ? $t : "$base/$t";
                $path .= '/' . join('/', @parts) if @parts;
                $restart = 1;
                last;
            }
            push @done, $p;
        }
        next if $restart;
        my $final = '/' . join('/', @done);
        return -e "$root$final" ? $final : undef;
    }
    return undef;
}

my @libdirs;
sub read_conf {
    my ($file, $depth) = @_;
    return if $depth > 5;
    open(my $fh, '<', "$root$file") or return;
    while (my $l = <$fh>) {
        $l =~ s/#.*//; $l =~ s/^\s+|\s+$//g;
        next if $l eq '';
        if ($l =~ /^include\s+(\S+)/) {
            my $pat = $1;
            for my $f (sort glob("$root$pat")) { $f =~ s/^\Q$root\E//; read_conf($f, $depth + 1); }
        } else { push @libdirs, $l; }
    }
    close $fh;
}
read_conf('/etc/ld.so.conf', 0);
if (opendir(my $cd, "$root/etc/ld.so.conf.d")) {
    for my $f (sort grep { /\.conf$/ } readdir $cd) { read_conf("/etc/ld.so.conf.d/$f", 1); }
    closedir $cd;
}
push @libdirs, qw(/lib /usr/lib /lib64 /usr/lib64);
my %seen; @libdirs = grep { !$seen{$_}++ } @libdirs;

sub read_at { my ($fh, $off, $len) = @_; seek($fh, $off, 0) or return ''; my $b = ''; read($fh, $b, $len); return $b; }

# Returns (interp, [needed], [runpath dirs]) or () if not a dynamic ELF.
sub elf_info {
    my ($file) = @_;
    open(my $fh, '<:raw', $file) or return ();
    my $h = read_at($fh, 0, 64);
    return () unless length($h) >= 52 && substr($h, 0, 4) eq "\x7fELF";
    my ($class, $data) = unpack('C C', substr($h, 4, 2));
    my $le = $data == 1;
    my ($u16, $u32, $u64) = $le ? ('v', 'V', 'Q<') : ('n', 'N', 'Q>');
    my $is64 = $class == 2;
    my ($phoff, $phentsize, $phnum);
    if ($is64) { $phoff = unpack($u64, substr($h, 32, 8)); $phentsize = unpack($u16, substr($h, 54, 2)); $phnum = unpack($u16, substr($h, 56, 2)); }
    else       { $phoff = unpack($u32, substr($h, 28, 4)); $phentsize = unpack($u16, substr($h, 42, 2)); $phnum = unpack($u16, substr($h, 44, 2)); }
    my (@loads, $dyn, $dynsz, $interp);
    for my $i (0 .. $phnum - 1) {
        my $ph = read_at($fh, $phoff + $i * $phentsize, $phentsize);
        my ($type, $off, $vaddr, $filesz);
        if ($is64) { $type = unpack($u32, substr($ph, 0, 4)); $off = unpack($u64, substr($ph, 8, 8)); $vaddr = unpack($u64, substr($ph, 16, 8)); $filesz = unpack($u64, substr($ph, 32, 8)); }
        else       { $type = unpack($u32, substr($ph, 0, 4)); $off = unpack($u32, substr($ph, 4, 4)); $vaddr = unpack($u32, substr($ph, 8, 4)); $filesz = unpack($u32, substr($ph, 16, 4)); }
        if ($type == 1) { push @loads, [$vaddr, $off, $filesz]; }
        elsif ($type == 2) { ($dyn, $dynsz) = ($off, $filesz); }
        elsif ($type == 3) { $interp = read_at($fh, $off, $filesz); $interp =~ s/\0.*//s; }
    }
    return ($interp, [], []) unless defined $dyn;
    my $esz = $is64 ? 16 : 8;
    my $d = read_at($fh, $dyn, $dynsz);
    my (@needed_off, @runpath_off, $strtab);
    for (my $o = 0; $o + $esz <= length $d; $o += $esz) {
        my ($tag, $val) = $is64 ? (unpack($u64, substr($d, $o, 8)), unpack($u64, substr($d, $o + 8, 8)))
                                : (unpack($u32, substr($d, $o, 4)), unpack($u32, substr($d, $o + 4, 4)));
        last if $tag == 0;
        if ($tag == 1) { push @needed_off, $val; }
        elsif ($tag == 5) { $strtab = $val; }
        elsif ($tag == 15 || $tag == 29) { push @runpath_off, $val; }
    }
    return ($interp, [], []) unless defined $strtab;
    my $stroff;
    for my $l (@loads) { if ($strtab >= $l->[0] && $strtab < $l->[0] + $l->[2]) { $stroff = $strtab - $l->[0] + $l->[1]; last; } }
    return ($interp, [], []) unless defined $stroff;
    my $str = sub { my $s = read_at($fh, $stroff + $_[0], 4096); $s =~ s/\0.*//s; return $s; };
    my @needed = map { $str->($_) } @needed_off;
    my @runpath = map { split /:/, $str->($_) } @runpath_off;
    close $fh;
    return ($interp, \@needed, \@runpath);
}

my @errors;
my $checked = 0;
sub walk {
    my ($dir) = @_;
    opendir(my $dh, "$root$dir") or return;
    my @entries = sort grep { $_ ne '.' && $_ ne '..' } readdir $dh;
    closedir $dh;
    for my $e (@entries) {
        my $rel = $dir eq '/' ? "/$e" : "$dir/$e";
        my $abs = "$root$rel";
        next if -l $abs;
        if (-d $abs) { walk($rel); next; }
        next unless -f $abs;
        my ($interp, $needed, $runpath) = elf_info($abs);
        next unless defined $needed;
        $checked++;
        if (defined $interp && $interp ne '' && !defined resolve($interp)) {
            push @errors, "missing ELF interpreter $interp needed by $rel";
        }
        (my $origin = $rel) =~ s{/[^/]*$}{};
        my @dirs = ((map { (my $x = $_) =~ s/\$(\{ORIGIN\}|ORIGIN)/$origin/g; $x } @$runpath), @libdirs);
        for my $lib (@$needed) {
            my $found = 0;
            if ($lib =~ m{/}) { $found = defined resolve($lib); }
            else { for my $dd (@dirs) { if (defined resolve("$dd/$lib")) { $found = 1; last; } } }
            push @errors, "missing library $lib needed by $rel" unless $found;
        }
    }
}
walk('/');
if (@errors) {
    print STDERR "ELF check failed: $_\n" for @errors;
    print STDERR "ELF check: " . scalar(@errors) . " unresolved dependencies in $root (add the package that ships the library to image/packages/)\n";
    exit 1;
}
print STDERR "ELF check: $checked ELF files, every interpreter and DT_NEEDED library resolves inside the image\n";
