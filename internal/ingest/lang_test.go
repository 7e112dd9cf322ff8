package ingest

import (
	"strings"
	"testing"
)

func TestDetectLang(t *testing.T) {
	cases := []struct{ text, want string }{
		{strings.Repeat("The committee met on Tuesday to discuss the budget of the police department and the new surveillance programme. ", 4), "en"},
		{strings.Repeat("Die Polizei hat am Dienstag die Wohnung durchsucht, weil die Ermittler neue Hinweise auf den Verdächtigen hatten. ", 4), "de"},
		{strings.Repeat("Le comité s'est réuni mardi pour discuter du budget de la police et du nouveau programme de surveillance. ", 4), "fr"},
		{strings.Repeat("Полиция провела обыск в квартире во вторник, потому что у следователей появились новые сведения. ", 4), "ru"},
		{"too short to tell", ""},
		{strings.Repeat("4711 0815 ", 40), ""},
	}
	for _, c := range cases {
		if got := detectLang([]byte(c.text)); got != c.want {
			t.Errorf("detectLang(%.40q) = %q, want %q", c.text, got, c.want)
		}
	}
	// A long text cut inside a multi-byte character still works.
	long := strings.Repeat("Привет мир, это длинный русский текст о полиции. ", 400)
	if got := detectLang([]byte(long)); got != "ru" {
		t.Errorf("long Russian text: %q", got)
	}
}

// BenchmarkDetectLang runs on every extracted document of an ingest.
func BenchmarkDetectLang(b *testing.B) {
	text := []byte(strings.Repeat("The committee met on Tuesday to discuss the budget of the police department and the new surveillance programme. ", 200))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		detectLang(text)
	}
}

// TestStopwordLangAgrees: where the stopword count decides, it names the
// language whatlanggo names on the same text, and it leaves short, mixed
// and tabular text to whatlanggo.
func TestStopwordLangAgrees(t *testing.T) {
	texts := map[string]string{
		"en": "The committee met on Tuesday to discuss the budget of the police department, and it was agreed that the new surveillance programme would be reviewed by the board before the end of the year. There were questions from the public about the cost.",
		"de": "Die Polizei hat am Dienstag die Wohnung durchsucht, weil die Ermittler neue Hinweise auf den Verdächtigen hatten. Nach Angaben der Staatsanwaltschaft wurde dabei auch ein Computer sichergestellt, der nun von den Experten ausgewertet wird.",
		"fr": "Le comité s'est réuni mardi pour discuter du budget de la police et du nouveau programme de surveillance. Les membres ont demandé que les dépenses soient publiées dans un rapport, mais la direction a refusé pour des raisons de sécurité.",
		"es": "El comité se reunió el martes para discutir el presupuesto de la policía y el nuevo programa de vigilancia. Los miembros pidieron que los gastos se publicaran en un informe, pero la dirección se negó por razones de seguridad.",
		"it": "Il comitato si è riunito martedì per discutere il bilancio della polizia e il nuovo programma di sorveglianza. I membri hanno chiesto che le spese fossero pubblicate in una relazione, ma la direzione ha rifiutato per motivi di sicurezza.",
		"pt": "O comitê se reuniu na terça-feira para discutir o orçamento da polícia e o novo programa de vigilância. Os membros pediram que os gastos fossem publicados em um relatório, mas a direção recusou por razões de segurança.",
		"nl": "De commissie kwam dinsdag bijeen om de begroting van de politie en het nieuwe bewakingsprogramma te bespreken. De leden vroegen dat de uitgaven in een rapport zouden worden gepubliceerd, maar de directie weigerde dat om veiligheidsredenen.",
		"ru": "Комитет собрался во вторник, чтобы обсудить бюджет полиции и новую программу наблюдения. Члены комитета попросили опубликовать расходы в отчёте, но руководство отказалось по соображениям безопасности, и это было также отмечено в протоколе.",
	}
	// Words two languages share (die: German, Dutch) count for neither.
	if got := detectLang([]byte(strings.Repeat("Die Polizei hat am Dienstag die Wohnung durchsucht, weil die Ermittler neue Hinweise hatten. ", 5))); got != "de" {
		t.Errorf("German text with die: %q", got)
	}
	for want, text := range texts {
		text = text + " " + text // some 80 words, a short document
		got := stopwordLang(text)
		if got != "" && got != want {
			t.Errorf("%s text: stopwords say %q", want, got)
		}
		if got == "" {
			t.Errorf("%s text: stopwords undecided", want)
		}
		if d := detectLang([]byte(text)); d != want {
			t.Errorf("%s text: detectLang %q", want, d)
		}
	}
	for _, text := range []string{
		"id,name,amount\n1,Smith,200\n2,Jones,300\n3,Miller,150\n4,Brown,220\n5,Davis,180\n6,Wilson,90\n",
		"the der le el il", // too few words
		"The police and die Polizei und the report and der Bericht and the file und die Akte and the case und der Fall",
	} {
		if got := stopwordLang(text); got != "" {
			t.Errorf("stopwordLang(%.30q) = %q, want undecided", text, got)
		}
	}
}
