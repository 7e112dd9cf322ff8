package detect_test

import (
	"bytes"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country"
	"github.com/trove-archive/trove/internal/country/detect"
)

// doc is one labelled document of the sample: its text and the countries
// a careful reader would say it is about.
type doc struct {
	text string
	meta *archive.Meta
	want []string
}

// mkIBAN builds a valid IBAN (ISO 13616 check digits) for cc from a BBAN.
func mkIBAN(cc, bban string) string {
	conv := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if r >= 'A' && r <= 'Z' {
				fmt.Fprintf(&b, "%d", r-'A'+10)
			} else {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	n, _ := new(big.Int).SetString(conv(bban+cc+"00"), 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%s%02d%s", cc, check, bban)
}

func group4(s string) string {
	var parts []string
	for len(s) > 4 {
		parts = append(parts, s[:4])
		s = s[4:]
	}
	return strings.Join(append(parts, s), " ")
}

// sample generates the labelled documents: sentences in several languages
// naming countries, phone numbers (libphonenumber's example numbers),
// IBANs, email domains, and hard negatives.
func sample(t testing.TB) []doc {
	var docs []doc
	named := []string{"DE", "FR", "ES", "PT", "IT", "RU", "CN", "JP", "BR", "MX", "AR", "EG", "SA", "NG", "KE", "ZA", "IN", "PK", "ID", "AU", "CA", "UA", "PL", "NL", "SE"}
	tmpl := map[string]string{
		"":    "The delegation travelled to %s last week to discuss the contract.",
		"fra": "La réunion avec les partenaires a eu lieu en %s au mois de mars.",
		"deu": "Das Treffen mit den Partnern fand im März in %s statt.",
		"spa": "La reunión con los socios se celebró en %s en marzo.",
		"por": "A reunião com os parceiros aconteceu em %s em março.",
		"rus": "Встреча с партнёрами: %s, март.",
		"ara": "عقد الاجتماع مع الشركاء في %s في شهر مارس.",
		"zho": "与合作伙伴的会议于三月在%s举行。",
	}
	for _, cc := range named {
		c, _ := country.Lookup(cc)
		for lang, tm := range tmpl {
			name := c.Name
			if lang != "" {
				name = c.Names[lang]
			}
			if name == "" {
				continue
			}
			docs = append(docs, doc{text: fmt.Sprintf(tm, name), want: []string{cc}})
		}
	}
	// Phone numbers with an international prefix, +NN and 00NN.
	for i, cc := range []string{"DE", "FR", "GB", "US", "IT", "ES", "BR", "JP", "IN", "NG", "AU", "CH", "SE", "PL", "MX", "ZA", "KE", "AR", "NL", "BE"} {
		num := phonenumbers.GetExampleNumber(cc)
		s := phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
		if i%2 == 1 {
			s = "00" + strings.TrimPrefix(s, "+")
		}
		docs = append(docs, doc{text: "For questions call me on " + s + " any time after 9.", want: []string{cc}})
	}
	// IBANs, grouped and in one block.
	for i, cc := range []string{"DE", "FR", "GB", "ES", "IT", "NL", "CH", "AT", "BE", "PL", "PT", "IE"} {
		iban := mkIBAN(cc, fmt.Sprintf("%04d%014d", 1000+i*37, 123456789+i*7919))
		if i%2 == 0 {
			iban = group4(iban)
		}
		docs = append(docs, doc{text: "Please transfer the amount to account " + iban + " by Friday.", want: []string{cc}})
	}
	// Email domains: two addresses in one country's TLD assign it; one
	// does not (a recall loss the thresholds accept).
	for _, x := range [][2]string{{"de", "DE"}, {"fr", "FR"}, {"it", "IT"}, {"pl", "PL"}, {"br", "BR"}, {"jp", "JP"}, {"ru", "RU"}, {"se", "SE"}} {
		docs = append(docs, doc{text: fmt.Sprintf("From: anna@firma.%s\nCc: office@bank.%s\nSee https://www.example.%s/report", x[0], x[0], x[0]), want: []string{x[1]}})
		docs = append(docs, doc{text: fmt.Sprintf("Write to info@shop.%s for details.", x[0]), want: []string{x[1]}})
	}
	// Email metadata.
	docs = append(docs, doc{text: "See attached.", meta: &archive.Meta{Email: &archive.Email{From: "k.schmidt@example.de", To: []string{"m.weber@kanzlei.de"}}}, want: []string{"DE"}})
	// Handwritten sentences with inflections and corroboration.
	docs = append(docs,
		doc{text: "Поставки из России в Германию выросли.", want: []string{"RU", "DE"}},
		doc{text: "Переговоры в Китае и Индии продолжаются.", want: []string{"CN", "IN"}},
		doc{text: "Die Exporte Deutschlands nach Frankreich stiegen.", want: []string{"DE", "FR"}},
		doc{text: "Das Treffen in der Türkei wurde abgesagt.", want: []string{"TR"}},
		doc{text: "我们在德国和印度尼西亚开会。", want: []string{"DE", "ID"}},
		doc{text: "Amman is the capital of Jordan. The Jordanian government met today.", want: []string{"JO"}},
		doc{text: "Turkey and the Turkish ministry signed the deal in Ankara.", want: []string{"TR"}},
		doc{text: "The Chinese embassy in China issued a statement.", want: []string{"CN"}},
		doc{text: "Our office moved to Atlanta, Georgia, USA last spring.", want: []string{"US"}},
		doc{text: "Shipments from the UK and the UAE were delayed.", want: []string{"GB", "AE"}},
		doc{text: "Le contrat a été signé en Côte d'Ivoire.", want: []string{"CI"}},
		doc{text: "Contact Berlin office: +49 30 901820, IBAN " + group4(mkIBAN("DE", "370400440532013000")) + ".", want: []string{"DE"}},
		doc{text: "Meeting in Bosnia and Herzegovina and North Macedonia next week.", want: []string{"BA", "MK"}},
		doc{text: "The United States and the United Kingdom agreed.", want: []string{"US", "GB"}},
		doc{text: "Photo", meta: &archive.Meta{Extra: map[string]string{"xmp_country": "Deutschland"}}, want: []string{"DE"}},
	)
	// Hard negatives: the right label is no country.
	negatives := []string{
		"I had a turkey sandwich for lunch.",
		"Turkey sandwiches were served at the party.",
		"She broke the china plate and the china cup.",
		"Jordan said he would call back tomorrow.",
		"Michael Jordan played basketball.",
		"Chad will bring the documents on Monday.",
		"The guinea pig escaped. Guinea pigs are cute.",
		"He lives in New Mexico near the border.",
		"She studied at Georgia Tech.",
		"We ordered French fries and a Panama hat.",
		"Call 555-123-4567 or (212) 555-1234 for the reservation.",
		"Order number 0049 123 is shipped.",
		"Account DE89 3704 0044 0532 0130 01 (invalid checksum).",
		"Invoice GB00 WEST 1234 5698 7654 32 is void.",
		"Visit https://startup.io and https://video.tv and https://brand.co for more.",
		"Email me at dev@company.ai or hello@name.me.",
		"The total was 00 1234 euros.",
		"Reference: +1 (000) 000-0000.",
		"Niger the word should be lower case: niger.",
		"TURKEY DINNER MENU",
		"The temperature was +49 degrees inside the furnace for 3 hours.",
		"Version 2.1.0 released on 2024-03-01.",
		"We had a Danish pastry and Swiss cheese with German Shepherd dogs nearby.",
		"The chile pepper sauce was hot.",
		"jersey number 10 and a new jersey for the team",
		"Israel Rodriguez joined the team.",
		"He read about the Indian Ocean currents.",
		"Latin American music played all night.",
		"The file is named report.de.txt and notes.fr.md.",
		"Lebanon, Ohio has a small library.",
	}
	for _, n := range negatives {
		docs = append(docs, doc{text: n})
	}
	if len(docs) < 200 {
		t.Fatalf("sample of %d documents, want at least 200", len(docs))
	}
	return docs
}

func TestPrecisionRecall(t *testing.T) {
	docs := sample(t)
	var tp, fp, fn int
	for _, d := range docs {
		got := detect.Assigned(detect.Assign(detect.Detect([]byte(d.text), d.meta)))
		for _, g := range got {
			if slices.Contains(d.want, g) {
				tp++
			} else {
				fp++
				t.Logf("false positive %s in %q (evidence %v)", g, d.text, detect.Detect([]byte(d.text), d.meta))
			}
		}
		for _, w := range d.want {
			if !slices.Contains(got, w) {
				fn++
				t.Logf("missed %s in %q (evidence %v)", w, d.text, detect.Detect([]byte(d.text), d.meta))
			}
		}
	}
	precision := float64(tp) / float64(tp+fp)
	recall := float64(tp) / float64(tp+fn)
	t.Logf("sample: %d documents, %d true positives, %d false positives, %d missed: precision %.3f, recall %.3f", len(docs), tp, fp, fn, precision, recall)
	if precision < 0.95 {
		t.Errorf("precision %.3f, want at least 0.95", precision)
	}
	// Recall floor: the thresholds give up single weak evidence (one
	// email domain, an ambiguous name alone), about 5% of the sample.
	if recall < 0.85 {
		t.Errorf("recall %.3f, want at least 0.85", recall)
	}
}

func TestEvidence(t *testing.T) {
	tests := []struct {
		text, cc, kind, snippet string
		count                   int
	}{
		{"Tel. +49 30 901820, Fax +49 30 901821", "DE", detect.KindPhone, "+49 30 901820", 2},
		{"IBAN " + mkIBAN("FR", "30006000011234567890189"), "FR", detect.KindIBAN, mkIBAN("FR", "30006000011234567890189"), 1},
		{"mail a@x.de, b@x.de", "DE", detect.KindTLD, "x.de", 2},
		{"Germany, Germany and Germany", "DE", detect.KindName, "Germany", 3},
		{"les Allemands", "DE", detect.KindDemonym, "Allemands", 1},
		// The same number again (read from the document's cache), in
		// other groups, then one cut before a trailing group.
		{"+49 30 901820; +49 30 901820, 0049 30 901820\n+49 30 901820 12 items", "DE", detect.KindPhone, "+49 30 901820", 4},
		{"the Republic of Chad and the Germans", "DE", detect.KindDemonym, "Germans", 1},
		{"Host www.Example.DE and mail@bank.de", "DE", detect.KindTLD, "bank.de", 1},
	}
	for _, tt := range tests {
		ev := detect.Detect([]byte(tt.text), nil)
		i := slices.IndexFunc(ev, func(e detect.Evidence) bool { return e.Country == tt.cc && e.Kind == tt.kind })
		if i < 0 || ev[i].Text != tt.snippet || ev[i].Count != tt.count {
			t.Errorf("Detect(%q) = %+v, want %s %s %q ×%d", tt.text, ev, tt.cc, tt.kind, tt.snippet, tt.count)
		}
	}
}

// TestNoEvidence: text that looks like evidence but is not.
func TestNoEvidence(t *testing.T) {
	for _, text := range []string{
		"He moved to new Mexico.",               // a lower-case exclusion hides the name after it
		"the latin American market",             // same
		"Call +999 1234 5678 or +800 1234 5678", // no such calling code; a non-geographic one
		"Call +49 30 901820123456789012",        // too long: part of a longer number
		"IBAN QQ89 3704 0044 0532 0130 00",      // no such country
		"IBAN DE89 3704 0044 0532 0130 01",      // checksum
		"xDE89 3704 0044 0532 0130 00",          // glued to a word
		"see www.example.io and a@b.co",         // generic TLDs
		"germany and france, in lower case",
	} {
		if ev := detect.Detect([]byte(text), nil); len(ev) != 0 {
			t.Errorf("Detect(%q) = %+v, want nothing", text, ev)
		}
	}
}

func TestGPS(t *testing.T) {
	m := &archive.Meta{Extra: map[string]string{"gps_lat": "48.858370", "gps_lon": "2.294481"}}
	dcs := detect.Assign(detect.Detect(nil, m))
	if got := detect.Assigned(dcs); !slices.Equal(got, []string{"FR"}) {
		t.Fatalf("Eiffel tower: %v (%+v)", got, dcs)
	}
	at := &archive.Meta{Extra: map[string]string{"gps_lat": "0", "gps_lon": "0"}}
	if ev := detect.Detect(nil, at); len(ev) != 0 {
		t.Errorf("0,0 (no fix) gave %v", ev)
	}
}

func FuzzDetect(f *testing.F) {
	for _, d := range sample(f) {
		f.Add([]byte(d.text))
	}
	f.Add([]byte("+4930\xff\xfe901820 DE89 3704 \x00 www.\xc3 @ 中非 Того"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev := detect.Detect(b, &archive.Meta{Title: string(b)})
		for _, e := range ev {
			if !country.Valid(e.Country) || e.Count < 1 || len(e.Text) > 64 {
				t.Fatalf("bad evidence %+v", e)
			}
		}
		detect.Assign(ev)
	})
}

// BenchmarkDetect measures throughput on mixed text dense in evidence
// (MB/s): names in eight languages, phone numbers, IBANs, domains. It runs
// on every document at ingest; see also BenchmarkDetectProse.
func BenchmarkDetect(b *testing.B) { benchText(b, dense(b)) }

// BenchmarkBaseline is a floor to compare BenchmarkDetect with: one
// pass that lower-cases the same text.
func BenchmarkBaseline(b *testing.B) {
	text := dense(b)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		_ = bytes.ToLower(text)
	}
}
