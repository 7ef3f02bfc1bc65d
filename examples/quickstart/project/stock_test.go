package inventory

import "testing"

func TestAdd(t *testing.T) {
	s := Stock{}
	s.Add("bolt", 2)
	s.Add("bolt", 3)
	if s["bolt"] != 5 {
		t.Fatalf("5 bolts expected, have %d", s["bolt"])
	}
}

func TestReportListsSoldOut(t *testing.T) {
	s := Stock{}
	s.Add("nut", 1)
	s.Add("bolt", 2)
	if err := s.Remove("bolt", 2); err != nil {
		t.Fatal(err)
	}
	if got, want := s.Report(), "bolt: 0\nnut: 1\n"; got != want {
		t.Fatalf("report is %q, want %q", got, want)
	}
}
