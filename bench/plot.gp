# SPDX-License-Identifier: MIT
# Throughput against n from crelu-bench's CSV (with the Python rows, if
# added): one panel per dtype, one line per row, log-log.
#
#   gnuplot -e "csv='bench/results/results.csv'; png='bench/results/throughput.png'" bench/plot.gp
#
# gnuplot rather than matplotlib: Debian's gnuplot-nox is one package with
# no Python stack behind it, and its PNG does not depend on a font cache.

if (!exists("csv")) csv = "bench/results/results.csv"
if (!exists("png")) png = "bench/results/throughput.png"

# Rows of a dtype, in the order the CSV first lists them.
whats(d) = system(sprintf("awk -F, 'NR > 1 && $1 == \"%s\" && !seen[$3]++ {print $3}' %s", d, csv))
# One row's (n, GB/s) points, in order of n.
points(d, w) = sprintf("< awk -F, '$1 == \"%s\" && $3 == \"%s\" {print $2, $6}' %s", d, w, csv)
# A dash per family: libcrelu solid, copies dashed, the naive loop dotted,
# oneDNN dash-dot, NumPy and PyTorch long dashes. The copy ceiling (the best
# of the four copies, what ratio_to_copy divides by) is the one thick black
# line.
family(w) = (w eq "copy_ceiling") ? 6 : (strstrt(w, "memcpy") || strstrt(w, "copy")) ? 2 : \
            strstrt(w, "naive") ? 3 : strstrt(w, "onednn") ? 4 : \
            (strstrt(w, "numpy") || strstrt(w, "torch")) ? 5 : 1
width(w) = family(w) == 6 ? 4 : family(w) == 1 ? 2.5 : 1.5
dash(w) = family(w) == 6 ? 1 : family(w)

# Twenty distinct colours, none black; gnuplot's default cycle repeats after
# eight.
array colours[20] = ["#9400d3", "#009e73", "#56b4e9", "#e69f00", "#f0e442", "#0072b2", \
                     "#e51e10", "#556b2f", "#808080", "#c71585", "#2e8b57", "#ff7f50", \
                     "#4169e1", "#8b4513", "#00ced1", "#ff1493", "#6b8e23", "#b8860b", \
                     "#1e90ff", "#a52a2a"]
colour(w, i) = w eq "copy_ceiling" ? "#000000" : colours[(i - 1) % 20 + 1]

# A panel per dtype in the CSV, in crelu-bench's order.
dtypes = system(sprintf("awk -F, 'NR > 1 {seen[$1] = 1} END {n = split(\"f32 f64 bf16 f16\", d, \" \"); for (i = 1; i <= n; i++) if (d[i] in seen) printf \"%%s \", d[i]}' %s", csv))
panels = words(dtypes) > 0 ? words(dtypes) : 1
long(d) = d eq "f32" ? "float32" : d eq "f64" ? "float64" : d eq "bf16" ? "bfloat16" : "float16"

set terminal pngcairo size 1400,750 * panels font "sans,11"
set output png
set datafile separator whitespace
set logscale x 2
set logscale y 10
# Labelled ticks at every even power of two; gnuplot's own log-2 labels
# round and skip.
set xtics ()
do for [k=0:30:2] { set xtics add (sprintf("2^{%d}", k) 2**k) }
set mxtics 2
# A little room past the smallest and the largest n, so both ends keep a label.
nmin = real(system(sprintf("awk -F, 'NR > 1 && (m == \"\" || $2 < m) {m = $2} END {print m}' %s", csv)))
nmax = real(system(sprintf("awk -F, 'NR > 1 && $2 > m {m = $2} END {print m}' %s", csv)))
set xrange [nmin / 1.3 : nmax * 1.3]
set grid xtics ytics mytics lw 0.5 lc rgb "#dddddd"
set xlabel "n (elements)"
set ylabel "GB/s (median; bytes moved per call / time per call)"
set key outside right top vertical Left reverse noenhanced samplen 3 spacing 1.1
set style data linespoints

set multiplot layout panels,1 title "libcrelu throughput (".system("date -u +%Y-%m-%d")."; see machine.txt)"
do for [d in dtypes] {
    w = whats(d)
    if (words(w) > 0) {
        set title d." (".long(d).")"
        plot for [i=1:words(w)] points(d, word(w, i)) using 1:2 \
             title word(w, i) lw width(word(w, i)) dt dash(word(w, i)) \
             lc rgb colour(word(w, i), i) pt 7 ps 0.6
    }
}
unset multiplot
