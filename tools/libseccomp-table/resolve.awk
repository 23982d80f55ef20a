# For one libseccomp release: what seccomp_syscall_resolve_name_arch returns for every name on
# each of seccompose's architectures, as libseccomp's C sources of that release define it.
# Input: the release's C sources (twice: pass 1 finds the arch definitions and #defines,
# pass 2 reads the resolver functions and the 2.4-style tables), then src/syscalls.csv (2.5+).
# Output: name, then per architecture: a number, - (pseudo-number) or . (unknown).

function die(msg) { print "resolve.awk: " msg > "/dev/stderr"; failed = 1; exit 1 }

function hex(s,    n, i, c) {
	n = 0
	s = tolower(substr(s, 3))
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1))
		if (c == 0) die("bad hex number " s)
		n = n * 16 + c - 1
	}
	return n
}

# A table value or #define: sums of numbers and #defined names, e.g. (__SCMP_NR_BASE + 140).
function eval(expr, file,    terms, n, i, t, sum) {
	gsub(/[() \t]/, "", expr)
	n = split(expr, terms, "+")
	sum = 0
	for (i = 1; i <= n; i++) {
		t = terms[i]
		if (t ~ /^0[xX][0-9a-fA-F]+$/) sum += hex(t)
		else if (t ~ /^[0-9]+$/) sum += t
		else if ((file SUBSEP t) in define) sum += eval(define[file, t], file)
		else if (("" SUBSEP t) in define) sum += eval(define["", t], file)
		else die("cannot evaluate " t " in " file)
	}
	return sum
}

FNR == 1 { pass++ }

/^@@FILE / { file = $2; next }

pass == 1 && /^#define[ \t]+[A-Za-z_0-9]+[ \t]+[^ \t]/ {
	if (!((file SUBSEP $2) in define)) define[file, $2] = $3
	if (file ~ /\.h$/ && !(("" SUBSEP $2) in define)) define["", $2] = $3
	next
}
pass == 1 && /^const struct arch_def arch_def_[a-z0-9_]+ = \{/ {
	def = $4
	sub(/^arch_def_/, "", def)
	next
}
pass == 1 && def != "" && /^\};/ { def = ""; next }
pass == 1 && def != "" && /\.syscall_resolve_name(_raw)?[ \t]*=/ {
	fn = $3
	sub(/,.*/, "", fn)
	if ($1 == ".syscall_resolve_name") rfn[def] = fn
	else rawfn[def] = fn
	wanted[fn] = 1
	next
}

# Pass 2: bodies of the resolver functions the arch definitions name.
pass == 2 && infn == "" && /^[a-z]/ && !/;[ \t]*$/ {
	for (fn in wanted)
		if (index($0, " " fn "(") || index($0, "*" fn "(")) { infn = fn; fnfile = file }
}
pass == 2 && infn != "" {
	if ($0 ~ /^\}/) { infn = ""; next }
	line = $0
	while (match(line, /strcmp\(name, "[a-z0-9_]+"\)/)) {
		n = substr(line, RSTART + 14, RLENGTH - 16)
		forced[infn, n] = 1
		line = substr(line, RSTART + RLENGTH)
	}
	if (line !~ /#define/ && match(line, /_ABI_SYSCALL_RES_NAME_CHK\([a-z0-9_]+\)/))
		forced[infn, substr(line, RSTART + 26, RLENGTH - 27)] = 1
	if (match($0, /sys[ \t]*[+|][ \t]*[A-Z_0-9]+/)) {
		t = substr($0, RSTART, RLENGTH)
		sub(/^sys[ \t]*[+|][ \t]*/, "", t)
		offset[infn] = eval(t, fnfile)
	}
	next
}

# Pass 2: libseccomp 2.4's per-arch tables: { "name", value },
pass == 2 && /^const struct arch_syscall_def [a-z0-9_]+_syscall_table\[\]/ {
	tab = $4
	sub(/_syscall_table.*/, "", tab)
	next
}
pass == 2 && tab != "" && /^\};/ { tab = ""; next }
pass == 2 && tab != "" && /\{ "[a-z0-9_]+",/ {
	match($0, /\{ "[a-z0-9_]+",[^}]*\}/)
	entry = substr($0, RSTART + 3, RLENGTH - 4)
	n = entry
	sub(/".*/, "", n)
	v = entry
	sub(/^[^,]*,/, "", v)
	gsub(/[ \t]/, "", v)
	if (v ~ /__PNR_/) table[tab, n] = "-"
	else table[tab, n] = eval(v, file)
	names[n] = 1
	next
}

# Pass 3: syscalls.csv (2.5+): name, then a column per table (and, 2.6+, *_kver columns).
pass == 3 && /^#/ {
	ncols = split($0, cols, ",")
	for (c = 2; c <= ncols; c++) if (cols[c] !~ /_kver$/) column[cols[c]] = c
	csv = 1
	next
}
pass == 3 && NF {
	n = split($0, vals, ",")
	for (c in column) table[c, vals[1]] = (vals[column[c]] == "PNR") ? "-" : vals[column[c]] + 0
	names[vals[1]] = 1
}

END {
	if (failed) exit 1
	na = split(arches, arch, " ")
	for (k in forced) { split(k, parts, SUBSEP); names[parts[2]] = 1 }
	# Per architecture: its resolver, raw resolver (2.5+), table and number offset. Reading an
	# awk array element creates it, so each lookup is guarded by `in`.
	for (a = 1; a <= na; a++) {
		d = arch[a]
		r = (d in rfn) ? rfn[d] : ""
		w = (d in rawfn) ? rawfn[d] : ""
		exists[a] = (r != "" || w != "")
		res[a] = r
		raw[a] = w
		t = (w != "") ? w : r
		sub(/_syscall_resolve_name.*/, "", t)
		tbl[a] = t
		off[a] = ((r in offset) ? offset[r] : 0) + ((w != r && (w in offset)) ? offset[w] : 0)
	}
	for (n in names) {
		row = n
		for (a = 1; a <= na; a++) {
			if (!exists[a]) v = "."
			else if (((res[a] SUBSEP n) in forced) || ((raw[a] SUBSEP n) in forced)) v = "-"
			else if (!((tbl[a] SUBSEP n) in table)) v = "."
			else if (table[tbl[a], n] == "-" || table[tbl[a], n] < 0) v = "-"
			else v = table[tbl[a], n] + off[a]
			row = row "\t" v
		}
		print row
	}
}
