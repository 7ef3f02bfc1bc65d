package coder

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Level is a language level a project declares: code newer than it
// breaks the project for its users (ACoder found candidates failing for
// this).
type Level struct {
	// Language is "Go", "Python", "Node.js", "Rust" or "Java".
	Language string `json:"language"`
	// What is the setting: "go", "toolchain", "requires-python",
	// "python_requires", "engines.node", "rust-version", "edition",
	// "release", "source", "target", "toolchain".
	What string `json:"what"`
	// Value is the setting as written: ">=3.8", "1.22", "17".
	Value string `json:"value"`
	// File is where it is set, relative to the project root.
	File string `json:"file"`
}

func (l Level) String() string {
	return l.Language + " " + l.What + " " + l.Value + " (" + l.File + ")"
}

// maxManifest is the most of a manifest file read.
const maxManifest = 1 << 20

// manifests are the files Levels reads, at the project root.
var manifests = []string{"go.mod", "pyproject.toml", "setup.cfg", "setup.py", "package.json",
	"Cargo.toml", "pom.xml", "build.gradle", "build.gradle.kts"}

// Levels reads the language levels the project at root declares in its
// manifests: the go.mod go and toolchain lines, requires-python (PEP 621
// or Poetry's python) in pyproject.toml, python_requires in setup.cfg or
// setup.py, package.json engines.node, Cargo.toml rust-version and
// edition, the Java release, source and target of pom.xml (compiler
// properties or plugin configuration) and of build.gradle(.kts)
// (sourceCompatibility, targetCompatibility, toolchain language version).
// Files it cannot read or parse are skipped; the order is the manifests',
// then the file's.
func Levels(root string) []Level {
	var out []Level
	for _, name := range manifests {
		f, err := os.Open(filepath.Join(root, name))
		if err != nil {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(f, maxManifest))
		f.Close()
		if err == nil {
			out = append(out, parseLevels(name, data)...)
		}
	}
	return out
}

var (
	goLine          = regexp.MustCompile(`(?m)^go\s+(\d+\.\d+(?:\.\d+)?(?:rc\d+)?)\s*(?://.*)?$`)
	goToolchain     = regexp.MustCompile(`(?m)^toolchain\s+(go\S+)\s*(?://.*)?$`)
	tomlKey         = regexp.MustCompile(`(?m)^\s*([\w.-]+)\s*=\s*["']([^"'\n]*)["']`)
	tomlSection     = regexp.MustCompile(`^\s*\[([^\]]+)\]`)
	setupCfgPython  = regexp.MustCompile(`(?m)^\s*python_requires\s*=\s*(.+?)\s*$`)
	setupPyPython   = regexp.MustCompile(`python_requires\s*=\s*["']([^"'\n]+)["']`)
	mavenProperty   = regexp.MustCompile(`<(maven\.compiler\.(?:release|source|target)|java\.version)>\s*([^<\s]+)\s*</`)
	mavenPlugin     = regexp.MustCompile(`<(release|source|target)>\s*([^<\s]+)\s*</`)
	gradleCompat    = regexp.MustCompile(`(?m)\b(sourceCompatibility|targetCompatibility)\s*=?\s*(?:JavaVersion\.VERSION_)?['"]?([\w.]+)['"]?`)
	gradleToolchain = regexp.MustCompile(`(?:JavaLanguageVersion\.of|jvmToolchain)\s*\(\s*(\d+)\s*\)`)
)

// parseLevels reads the levels of one manifest, named name, from data.
func parseLevels(name string, data []byte) []Level {
	text := string(data)
	var out []Level
	add := func(lang, what, value string) {
		value = strings.TrimSpace(value)
		if value != "" && len(value) <= 100 {
			out = append(out, Level{Language: lang, What: what, Value: value, File: name})
		}
	}
	switch name {
	case "go.mod":
		if m := goLine.FindStringSubmatch(text); m != nil {
			add("Go", "go", m[1])
		}
		if m := goToolchain.FindStringSubmatch(text); m != nil {
			add("Go", "toolchain", m[1])
		}
	case "pyproject.toml", "Cargo.toml":
		for section, kv := range tomlKeys(text) {
			switch {
			case name == "pyproject.toml" && section == "project" && kv[0] == "requires-python":
				add("Python", "requires-python", kv[1])
			case name == "pyproject.toml" && section == "tool.poetry.dependencies" && kv[0] == "python":
				add("Python", "requires-python", kv[1])
			case name == "Cargo.toml" && (section == "package" || section == "workspace.package") && (kv[0] == "rust-version" || kv[0] == "edition"):
				add("Rust", kv[0], kv[1])
			}
		}
	case "setup.cfg":
		if m := setupCfgPython.FindStringSubmatch(text); m != nil {
			add("Python", "python_requires", m[1])
		}
	case "setup.py":
		if m := setupPyPython.FindStringSubmatch(text); m != nil {
			add("Python", "python_requires", m[1])
		}
	case "package.json":
		var pkg struct {
			Engines map[string]any `json:"engines"`
		}
		if json.Unmarshal(data, &pkg) == nil {
			if v, ok := pkg.Engines["node"].(string); ok {
				add("Node.js", "engines.node", v)
			}
		}
	case "pom.xml":
		seen := map[string]bool{}
		for _, m := range mavenProperty.FindAllStringSubmatch(text, -1) {
			what := strings.TrimPrefix(m[1], "maven.compiler.")
			if what == "java.version" {
				what = "release"
			}
			if !seen[what] {
				seen[what] = true
				add("Java", what, m[2])
			}
		}
		for _, m := range mavenPlugin.FindAllStringSubmatch(text, -1) {
			if !seen[m[1]] && !strings.HasPrefix(m[2], "${") {
				seen[m[1]] = true
				add("Java", m[1], m[2])
			}
		}
	case "build.gradle", "build.gradle.kts":
		for _, m := range gradleCompat.FindAllStringSubmatch(text, -1) {
			add("Java", strings.TrimSuffix(m[1], "Compatibility"), strings.ReplaceAll(m[2], "_", "."))
		}
		if m := gradleToolchain.FindStringSubmatch(text); m != nil {
			add("Java", "toolchain", m[1])
		}
	}
	return out
}

// tomlKeys yields the quoted string keys of a TOML text with the section
// they are in: enough of TOML for the few settings read here.
func tomlKeys(text string) func(func(string, [2]string) bool) {
	return func(yield func(string, [2]string) bool) {
		section := ""
		for line := range strings.Lines(text) {
			if m := tomlSection.FindStringSubmatch(line); m != nil {
				section = strings.TrimSpace(m[1])
				continue
			}
			if m := tomlKey.FindStringSubmatch(line); m != nil {
				if !yield(section, [2]string{m[1], m[2]}) {
					return
				}
			}
		}
	}
}
