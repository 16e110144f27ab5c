package certificate

import (
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"

	"github.com/signintech/gopdf"

	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/templates"
)

// The page: A4 in points, with margins of 25 mm, as a letter of an authority has.
const (
	pageWidth  = 595.0
	margin     = 71.0
	textWidth  = pageWidth - 2*margin
	regular    = "Fira Sans"
	semiBold   = "Fira Sans SemiBold"
	grey       = 90
	lineFactor = 1.4
)

// fonts are KERN's Fira Sans as TrueType, cut to Latin script by `make assets`; each PDF embeds
// the glyphs it uses.
var fonts = sync.OnceValues(func() (map[string][]byte, error) {
	out := map[string][]byte{}
	for family, file := range map[string]string{regular: "FiraSans-Regular.ttf", semiBold: "FiraSans-SemiBold.ttf"} {
		b, err := fs.ReadFile(templates.FS, "certificate/"+file)
		if err != nil {
			return nil, err
		}
		out[family] = b
	}
	return out, nil
})

// WritePDF writes the certificate as a one-page PDF; verifyURL/{code} is where it is checked.
// The text is German: the Teilnahmebescheinigung goes into a German personnel file.
func (c *Certificate) WritePDF(w io.Writer, verifyURL string) error {
	fontData, err := fonts()
	if err != nil {
		return fmt.Errorf("certificate: fonts: %w", err)
	}
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	for family, data := range fontData {
		if err := pdf.AddTTFFontData(family, data); err != nil {
			return fmt.Errorf("certificate: font %s: %w", family, err)
		}
	}
	e, loc := c.Event, c.Event.Zone()
	organizer := e.OrganizerName
	if organizer == "" {
		organizer = strings.Join(e.Hosts, ", ")
	}
	pdf.SetInfo(gopdf.PdfInfo{Title: "Teilnahmebescheinigung – " + c.Name + " – " + e.Title, Author: organizer,
		Subject: "Teilnahmebescheinigung", Creator: "Podium", Producer: "Podium", CreationDate: c.IssuedAt})
	pdf.AddPage()
	p := &page{pdf: pdf, y: margin}

	if organizer != "" {
		p.write(regular, 10, grey, organizer)
	}
	p.space(50)
	p.write(semiBold, 26, 0, "Teilnahmebescheinigung")
	p.space(28)
	p.write(regular, 12, 0, "Hiermit wird bescheinigt, dass")
	p.space(8)
	p.write(semiBold, 20, 0, c.Name)
	p.space(8)
	when := i18n.LongDate(e.StartsAt, loc, "de") + ", " + i18n.ClockSpan(e.StartsAt, e.EndsAt, loc, "de")
	p.write(regular, 12, 0, "am "+when+" ("+e.Timezone+") an der Veranstaltung")
	p.space(8)
	p.write(semiBold, 16, 0, e.Title)
	if e.Subtitle != "" {
		p.write(regular, 12, 0, e.Subtitle)
	}
	p.space(8)
	p.write(regular, 12, 0, "teilgenommen hat.")
	p.space(20)

	facts := [][2]string{{"Dauer", duration(e.EndsAt.Sub(e.StartsAt).Minutes())}}
	if e.Location != "" {
		facts = append(facts, [2]string{"Ort", e.Location})
	}
	if len(e.Hosts) > 0 {
		facts = append(facts, [2]string{"Veranstaltet von", strings.Join(e.Hosts, ", ")})
	}
	for _, f := range facts {
		p.fact(f[0], f[1])
	}
	if len(c.Agenda) > 0 {
		p.space(14)
		p.write(semiBold, 12, 0, "Programm")
		p.space(4)
		for _, a := range c.Agenda {
			p.fact(i18n.ClockSpan(a.StartsAt, a.EndsAt, loc, "de"), a.Title)
		}
	}

	// The verification block stands at the foot of the page, wherever the text above ended.
	p.y = max(p.y+30, 842-margin-90)
	pdf.SetStrokeColor(grey*2, grey*2, grey*2)
	pdf.SetLineWidth(0.5)
	pdf.Line(margin, p.y, pageWidth-margin, p.y)
	p.space(10)
	p.write(regular, 9, grey, "Ausgestellt am "+i18n.LongDate(c.IssuedAt, loc, "de")+". Diese Bescheinigung wurde maschinell erstellt und ist ohne Unterschrift gültig.")
	p.write(regular, 9, grey, "Ihre Echtheit bestätigt die Seite "+verifyURL+"/"+c.Code+" mit dem Prüfcode")
	p.space(2)
	p.write(semiBold, 12, 0, c.Code)
	return pdf.Write(w)
}

// page writes lines down the page from y.
type page struct {
	pdf *gopdf.GoPdf
	y   float64
}

func (p *page) space(points float64) { p.y += points }

// write sets text in the font, size and grey level, wrapped to the text width.
func (p *page) write(family string, size float64, grey uint8, text string) {
	p.writeAt(margin, textWidth, family, size, grey, text)
}

func (p *page) writeAt(x, width float64, family string, size float64, grey uint8, text string) {
	p.pdf.SetFont(family, "", size)
	p.pdf.SetTextColor(grey, grey, grey)
	lines, err := p.pdf.SplitTextWithWordWrap(text, width)
	if err != nil || len(lines) == 0 {
		lines = []string{text}
	}
	for _, line := range lines {
		p.y += size * lineFactor
		p.pdf.SetXY(x, p.y-size*0.3)
		p.pdf.Text(line)
	}
}

// fact is a label and its value side by side.
func (p *page) fact(label, value string) {
	const labelWidth = 120
	top := p.y
	p.writeAt(margin, labelWidth-10, regular, 11, grey, label)
	below := p.y
	p.y = top
	p.writeAt(margin+labelWidth, textWidth-labelWidth, regular, 11, 0, value)
	p.y = max(p.y, below) + 2
}

// duration says how long the event took, as a German personnel office counts it.
func duration(minutes float64) string {
	m := int(minutes + 0.5)
	h, rest := m/60, m%60
	switch {
	case h == 0:
		return fmt.Sprintf("%d Minuten", m)
	case rest == 0 && h == 1:
		return "1 Stunde"
	case rest == 0:
		return fmt.Sprintf("%d Stunden", h)
	case h == 1:
		return fmt.Sprintf("1 Stunde %d Minuten (%d Minuten)", rest, m)
	}
	return fmt.Sprintf("%d Stunden %d Minuten (%d Minuten)", h, rest, m)
}
