package detect_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/country/detect"
)

// prose generates n bytes of ordinary office text: emails with headers,
// memos and minutes in English, with names of people and firms, dates,
// amounts, local phone numbers, .com addresses and URLs, and a country
// name about once every 8 KB. Deterministic for a seed. This is the
// common case at ingest: most documents mention few or no countries.
func prose(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	words := strings.Fields(`the of and to a in for is on that by this with you it not or be are from at as
		your all have new more an was we will can us about if my has but our one other do no information
		time they he up may what which their out use any there see only so his when here business who also
		now help get been would how were me services some these its like service than find price date back
		top people had list name just over year day into two should product system post her please available
		after best then good well where rights each she very does set under general research management part
		could great real item must report off member details line terms before did send right type because
		local those using results office within area want phone check special based code show even case
		project same own found both related while care network down place end following without per access
		think current big control history since including change small rate during return account level
		previous form events main call hours title description another why shall property still money quality
		every content private little visit save low reply customer compare include value article provide
		source different press learn around course process point join look left team box conditions select
		week note large table however market plan provided required second cost better questions come test
		again looking issues complete topic financial working against standard person below less payment
		legal above recent side problem give performance options experience create key important few single
		additional latest something question changes hard pay four status issue range building result write
		offer easy given files event release analysis request making needs possible might professional month
		major future committee hand problems meeting become interest keep enter share similar million added
		reference companies listed delivery term put reports try original until council away includes track
		discussion once agreement least months safety sure trade further updated association able having
		close common specific several called short display limited solutions means director daily past due
		five upon period planning database official average done technical document works material bill
		written talk final requirements via true minutes else mark third individual together percent function
		fact unit getting economic projects often included though bank risk thanks amount received choose
		registered clear position taken sort simple quick none annual published later basic corporate method
		purchase customers response figure enough along among writing higher created remember standards base
		increase summary turn growth notes agency copy although income force cash overall commission package
		contents seen started administration plans build exchange types soon continue across benefits needed
		apply effective believe organization effect asked mind selection volume inside solution rather weeks
		addition supply certain executive necessary union according particular hour skills kind move taking
		values division coming client follow investment sent shown consumer choice registration courses
		foreign levels letter ideas structure fund allow contract matter distribution focus potential
		responsible associated primary reason tool answer purpose schedule documents communication approach
		deal ready secure operations therefore evidence option understand recently probably improve transfer
		strong ensure involved budget partners quite selected existing significant useful providing rule
		authority considered strategy input valid senior trial charge units instead normal entire positive
		opinion greater likely develop employees alternative processing responsibility trust session completed
		assistance expected consider require proposed default otherwise allows reported partner parties
		membership mission sense pack stage internal recommended unless detailed approved except maintenance
		ability functions submitted purposes defined established offered regarding remove minimum variety
		agents increased repair fixed wrong finally updates requires fully officer respect unknown specified
		procedures relationship progress funding agree sometimes beyond accepted implementation presented
		agencies respective economy critical secretary employee chief detail changed individuals relevant
		guidelines applied weekly demand difference allowed correct selling firm regulations certificate
		minister documentation coverage clients actions discuss accept situation markets determine actual
		accounts particularly factors settings easily balance monitoring initial recommend accounting
		manufacturing effort phase fields letters context generally continued measures task reduce component
		guarantee leader processes meetings produced supported freedom competition providers thousands
		quantity reporting essential labor immediately integrated configuration comprehensive compliance
		prevent improvement strategies intended goals charges serve reasons manage procedure leadership
		identify approximately recommendations reach comparison extended reserve placed failure draft chart
		contacts equal matching offering leaders assistant expect compared determined statements completely`)
	first := strings.Fields(`John Mary Robert Linda Michael Susan David Karen James Patricia William Jennifer Richard Elizabeth Thomas Sarah Daniel Nancy Paul Lisa Mark Laura Steven Emily Kevin Anna`)
	last := strings.Fields(`Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett Gray Hughes Price Sanders Myers Long Ross Foster`)
	firms := strings.Fields(`Acme Globex Initech Umbrella Hooli Vandelay Stark Wayne Wonka Cyberdyne Soylent Tyrell Oscorp Massive Dynamic Gringotts Monarch Virtucon`)
	months := strings.Fields(`January February March April May June July August September October November December`)
	countries := strings.Fields(`Germany France Canada Mexico Brazil Japan India Australia Spain Italy Poland Sweden Norway Kenya Nigeria`)
	var b strings.Builder
	person := func() string { return first[r.IntN(len(first))] + " " + last[r.IntN(len(last))] }
	email := func() string {
		return strings.ToLower(first[r.IntN(len(first))]+"."+last[r.IntN(len(last))]) + "@" + strings.ToLower(firms[r.IntN(len(firms))]) + ".com"
	}
	sentence := func() {
		nw := 8 + r.IntN(18)
		for i := range nw {
			w := words[r.IntN(len(words))]
			switch k := r.IntN(100); {
			case i == 0:
				w = strings.ToUpper(w[:1]) + w[1:]
			case k < 3:
				w = person()
			case k < 5:
				w = firms[r.IntN(len(firms))] + " Inc."
			case k < 7:
				w = fmt.Sprintf("%d %s %d", 1+r.IntN(28), months[r.IntN(12)], 2015+r.IntN(10))
			case k < 9:
				w = fmt.Sprintf("$%d,%03d.%02d", r.IntN(900), r.IntN(1000), r.IntN(100))
			case k < 10:
				w = fmt.Sprintf("%d%%", r.IntN(100))
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
			if i < nw-1 && r.IntN(12) == 0 {
				b.WriteByte(',')
			}
		}
		b.WriteString(". ")
	}
	for b.Len() < n {
		switch r.IntN(4) {
		case 0: // an email
			fmt.Fprintf(&b, "From: %s <%s>\nTo: %s\nDate: %d %s %d\nSubject: Re: %s %s\n\n", person(), email(), email(), 1+r.IntN(28), months[r.IntN(12)], 2015+r.IntN(10), words[r.IntN(len(words))], words[r.IntN(len(words))])
			fmt.Fprintf(&b, "Hi %s,\n\n", first[r.IntN(len(first))])
			for range 3 + r.IntN(6) {
				sentence()
			}
			fmt.Fprintf(&b, "\n\nBest regards,\n%s\n%s Inc. | Tel. (%03d) 555-%04d | https://www.%s.com/contact\n\n", person(), firms[r.IntN(len(firms))], 200+r.IntN(700), r.IntN(10000), strings.ToLower(firms[r.IntN(len(firms))]))
		case 1: // minutes
			fmt.Fprintf(&b, "MINUTES OF THE MEETING, %d %s %d\n\nPresent: %s, %s, %s.\n\n", 1+r.IntN(28), months[r.IntN(12)], 2015+r.IntN(10), person(), person(), person())
			for k := range 4 + r.IntN(6) {
				fmt.Fprintf(&b, "%d. ", k+1)
				sentence()
				b.WriteByte('\n')
			}
			b.WriteByte('\n')
		default: // memo paragraphs
			for range 5 + r.IntN(10) {
				sentence()
			}
			if r.IntN(6) == 0 {
				fmt.Fprintf(&b, "The office in %s reported %d new contracts. ", countries[r.IntN(len(countries))], r.IntN(50))
			}
			b.WriteString("\n\n")
		}
	}
	return []byte(b.String()[:n])
}

// dense is the mixed text of BenchmarkDetect: the labelled sample (names
// in eight languages, phone numbers, IBANs, domains) between lines of
// filler.
func dense(b *testing.B) []byte {
	var sb strings.Builder
	for _, d := range sample(b) {
		sb.WriteString(d.text)
		sb.WriteString(" Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. The report of 12 March 2024 lists 1,250 payments.\n")
	}
	return []byte(sb.String())
}

func benchText(b *testing.B, text []byte) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		c := detect.New()
		c.Text(text)
		detect.Assign(c.Evidence())
	}
}

// BenchmarkDetectProse measures the common case: 256 KB of office prose
// and email with few country mentions.
func BenchmarkDetectProse(b *testing.B) { benchText(b, prose(256<<10, 1)) }

// BenchmarkDetectLarge is one 16 MiB document of prose fed in 64 KB
// chunks, the way ingest does (only the scanned prefix costs).
func BenchmarkDetectLarge(b *testing.B) {
	text := prose(16<<20, 2)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		c := detect.New()
		for t := text; len(t) > 0; {
			n := min(len(t), 64<<10)
			c.Text(t[:n])
			t = t[n:]
		}
		detect.Assign(c.Evidence())
	}
}
