package outlook

import (
	"fmt"
	"os"
	"testing"
)

func TestDump(t *testing.T) {
	for _, n := range []string{"testMSG.msg", "testMSG_att_msg.msg", "testMSG_chinese.msg"} {
		fh, _ := os.Open("../../../../shared/corpus/tika/outlook/" + n)
		st, _ := fh.Stat()
		f, err := openCFB(fh, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		var walk func(id uint32, ind string)
		walk = func(id uint32, ind string) {
			for _, c := range f.children(id) {
				e := f.dir[c]
				fmt.Printf("%s%s t=%d size=%d\n", ind, e.name, e.typ, e.size)
				if e.typ == 1 {
					walk(c, ind+"  ")
				}
			}
		}
		fmt.Println("==", n)
		walk(0, "")
	}
}
