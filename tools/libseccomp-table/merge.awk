# Merges per-release rows (release index, name, answers per arch; sorted by name, then release)
# into one row per name and run of consecutive releases with the same answers.

BEGIN {
	nrel = split(releases, label, " ")
	FS = OFS = "\t"
}

function flush() {
	if (name != "") print name, label[first], (last == nrel ? "*" : label[last]), answers
}

{
	i = $1
	n = $2
	rest = $0
	sub(/^[^\t]*\t[^\t]*\t/, "", rest)
	if (n != name || i != last + 1 || rest != answers) {
		flush()
		name = n
		first = i
		answers = rest
	}
	last = i
}

END { flush() }
