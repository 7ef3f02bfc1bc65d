package tester

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxReport is the size of the largest JUnit XML report read; the rest
// of a larger one is ignored.
const MaxReport = 64 << 20

// junitCase is the test case being read.
type junitCase struct {
	name    string
	outcome Outcome
	log     tail
	depth   int // the element depth of the <testcase>
}

// ParseJUnit reads a JUnit XML report, as written by pytest
// (--junitxml, either junit_family), Maven Surefire, Gradle and
// jest-junit, and returns each test case's outcome in report order, with
// the tail of the failure's message and text and of the case's captured
// output. A case is named "classname.name", or "name" alone when the
// class name is empty or already the name (jest-junit); suites nested in
// suites are read through.
//
// A case with a <failure> or <error> fails, one with <skipped> (pytest's
// xfail included) is skipped, and the others pass. A report cut short
// returns the cases read and an error. Reports over [MaxReport] bytes are
// read that far.
func ParseJUnit(r io.Reader) ([]Test, error) {
	d := xml.NewDecoder(io.LimitReader(r, MaxReport))
	d.CharsetReader = charsetReader
	var ts tests
	var cur *junitCase
	depth := 0
	inText := false // in a <failure>, <error>, <system-out> or <system-err> of cur
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if cur != nil && cur.outcome != "" {
				ts.add(cur.name, cur.outcome, cur.log.String())
			}
			return ts.result(fmt.Errorf("tester: reading a JUnit report: %w", err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case t.Name.Local == "testcase" && cur == nil:
				cur = &junitCase{name: caseName(attr(t, "classname"), attr(t, "name")), outcome: Pass, depth: depth}
			case cur != nil && depth == cur.depth+1:
				switch t.Name.Local {
				case "failure", "error":
					cur.outcome = Fail
					if msg := attr(t, "message"); msg != "" {
						cur.log.WriteString(msg + "\n")
					}
					inText = true
				case "skipped":
					if cur.outcome != Fail {
						cur.outcome = Skip
					}
				case "system-out", "system-err":
					inText = true
				}
			}
		case xml.EndElement:
			if cur != nil && depth == cur.depth {
				log := ""
				if cur.outcome == Fail {
					log = strings.TrimSpace(cur.log.String())
				}
				ts.add(cur.name, cur.outcome, log)
				if ts.err != nil {
					return ts.result(nil)
				}
				cur = nil
			}
			if cur != nil && depth == cur.depth+1 {
				inText = false
			}
			depth--
		case xml.CharData:
			if cur != nil && inText {
				cur.log.WriteString(string(t))
			}
		}
	}
	return ts.result(nil)
}

// caseName names a test case from its class and name attributes.
func caseName(class, name string) string {
	switch {
	case class == "" || class == name:
		return name
	case name == "":
		return class
	}
	return class + "." + name
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// charsetReader reads the encodings test reports are written in: UTF-8
// and its subsets as they are, ISO-8859-1 converted.
func charsetReader(charset string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "latin1", "latin-1":
		return &latin1{r: in}, nil
	}
	return nil, errors.New("tester: unsupported encoding " + charset + " in a JUnit report; write it in UTF-8")
}

// latin1 converts ISO-8859-1 to UTF-8.
type latin1 struct {
	r   io.Reader
	buf []byte
}

func (l *latin1) Read(p []byte) (int, error) {
	if len(p) < utf8.UTFMax {
		return 0, io.ErrShortBuffer
	}
	if cap(l.buf) < len(p)/2 {
		l.buf = make([]byte, len(p)/2)
	}
	n, err := l.r.Read(l.buf[:len(p)/2])
	out := p[:0]
	for _, c := range l.buf[:n] {
		out = utf8.AppendRune(out, rune(c))
	}
	return len(out), err
}
