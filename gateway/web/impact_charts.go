package web

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"regexp"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Chart colours: dark enough on white for text and thin marks (WCAG 3:1 for graphics).
var (
	chartBlue   = color.RGBA{R: 0x1f, G: 0x4e, B: 0x79, A: 0xff}
	chartOrange = color.RGBA{R: 0xa8, G: 0x4a, B: 0x00, A: 0xff}
)

// bar is one bar of a chart: its label and value; a suppressed or unreported value has none.
type bar struct {
	Label string
	Value float64
	Has   bool
}

// svgChart renders p as an SVG element for inline use: no XML prologue, presentation
// attributes instead of style attributes (the page's CSP allows no inline styles), and an
// accessible name; the data table beneath says the same in words.
func svgChart(p *plot.Plot, width, height vg.Length, label string) (template.HTML, error) {
	w, err := p.WriterTo(width, height, "svg")
	if err != nil {
		return "", fmt.Errorf("render chart: %w", err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("render chart: %w", err)
	}
	return template.HTML(inlineSVG(buf.String(), label)), nil
}

var styleAttr = regexp.MustCompile(`style="([^"]*)"`)

// inlineSVG turns a stand-alone SVG document into an element that passes a CSP without
// 'unsafe-inline': style="a:b;c:d" becomes a="b" c="d".
func inlineSVG(doc, label string) string {
	if i := strings.Index(doc, "<svg"); i >= 0 {
		doc = doc[i:]
	}
	doc = styleAttr.ReplaceAllStringFunc(doc, func(m string) string {
		decls := styleAttr.FindStringSubmatch(m)[1]
		var attrs []string
		for _, d := range strings.Split(decls, ";") {
			k, v, ok := strings.Cut(d, ":")
			if !ok {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if k == "" || strings.ContainsAny(k+v, `"<>`) {
				continue
			}
			attrs = append(attrs, fmt.Sprintf(`%s="%s"`, k, v))
		}
		return strings.Join(attrs, " ")
	})
	return strings.Replace(doc, "<svg", `<svg role="img" class="chart" aria-label="`+template.HTMLEscapeString(label)+`"`, 1)
}

func newChart(yLabel string) *plot.Plot {
	p := plot.New()
	p.Y.Label.Text = yLabel
	p.BackgroundColor = color.White
	p.Legend.Top = true
	return p
}

// barChart draws one or two series of bars over the same labels.
func barChart(yLabel string, series [][]bar, names []string, label string) (template.HTML, error) {
	p := newChart(yLabel)
	if len(series) == 0 || len(series[0]) == 0 {
		return "", nil
	}
	width := vg.Points(18)
	colours := []color.Color{chartBlue, chartOrange}
	for i, s := range series {
		vals := make(plotter.Values, len(s))
		for j, b := range s {
			if b.Has {
				vals[j] = b.Value
			}
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return "", fmt.Errorf("chart: %w", err)
		}
		bars.Color = colours[i%len(colours)]
		bars.LineStyle.Width = 0
		if len(series) > 1 {
			bars.Offset = width * vg.Length(float64(i)-float64(len(series)-1)/2)
		}
		p.Add(bars)
		if len(names) > i && names[i] != "" {
			p.Legend.Add(names[i], bars)
		}
	}
	labels := make([]string, len(series[0]))
	for i, b := range series[0] {
		labels[i] = b.Label
	}
	p.NominalX(labels...)
	p.Y.Min = 0
	return svgChart(p, vg.Points(float64(max(360, 150*len(labels)))), vg.Points(260), label)
}

// interval is one mean with its confidence interval.
type interval struct {
	Mean, Low, High float64
	Has             bool
}

// intervalChart draws, for each label, the mean of two groups with their intervals.
func intervalChart(yLabel string, labels []string, groups [2][]interval, names [2]string, label string) (template.HTML, error) {
	p := newChart(yLabel)
	if len(labels) == 0 {
		return "", nil
	}
	zero := plotter.NewFunction(func(float64) float64 { return 0 })
	zero.Color = color.Gray{Y: 0x70}
	zero.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	p.Add(zero)
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}}
	colours := []color.Color{chartBlue, chartOrange}
	for g, ivs := range groups {
		var pts errPoints
		for i, iv := range ivs {
			if !iv.Has {
				continue
			}
			x := float64(i) + 0.15*float64(2*g-1)
			pts.XYs = append(pts.XYs, plotter.XY{X: x, Y: iv.Mean})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{iv.Mean - iv.Low, iv.High - iv.Mean})
		}
		if len(pts.XYs) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return "", fmt.Errorf("chart: %w", err)
		}
		sc.GlyphStyle.Shape, sc.GlyphStyle.Color, sc.GlyphStyle.Radius = shapes[g], colours[g], vg.Points(3.5)
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return "", fmt.Errorf("chart: %w", err)
		}
		eb.LineStyle.Color, eb.LineStyle.Width = colours[g], vg.Points(1.5)
		p.Add(eb, sc)
		p.Legend.Add(names[g], sc)
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.6, float64(len(labels))-0.4
	return svgChart(p, vg.Points(float64(max(420, 100*len(labels)))), vg.Points(280), label)
}

// errPoints are points with vertical error bars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}
