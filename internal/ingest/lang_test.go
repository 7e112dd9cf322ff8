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
