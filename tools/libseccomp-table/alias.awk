# Drops architecture columns that equal an earlier one in every row (mipsel answers as mips,
# ppc64le as ppc64, ...): the header names them `mipsel=mips` instead. Input: the merged rows
# (name, first, last, answers); reads them twice.

BEGIN { FS = OFS = "\t" }

FNR == 1 { pass++ }

pass == 1 {
	for (c = 4; c <= NF; c++) col[c] = col[c] SUBSEP $c
	nf = NF
	next
}

pass == 2 && FNR == 1 {
	na = split(arches, arch, " ")
	header = "arches"
	for (c = 4; c <= nf; c++) {
		same[c] = 0
		for (e = 4; e < c && !same[c]; e++) if (!same[e] && col[e] == col[c]) same[c] = e
		header = header "\t" arch[c - 3] (same[c] ? "=" arch[same[c] - 3] : "")
	}
	print header
}

pass == 2 {
	row = $1 OFS $2 OFS $3
	for (c = 4; c <= NF; c++) if (!same[c]) row = row OFS $c
	print row
}
