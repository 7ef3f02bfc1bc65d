package coder_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/internal/gittest"
)

func TestLevels(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":         "module m\n\ngo 1.21.3 // pinned\n\ntoolchain go1.22.5\n",
		"pyproject.toml": "[build-system]\nrequires = [\"setuptools\"]\n\n[project]\nname = \"x\"\nrequires-python = \">=3.8\"\n\n[tool.poetry.dependencies]\npython = \"^3.9\"\n",
		"setup.cfg":      "[options]\npython_requires = >=3.7, <4\n",
		"setup.py":       "setup(name='x', python_requires='>=3.6')\n",
		"package.json":   `{"name":"x","engines":{"node":">=18.0.0","npm":">=9"}}`,
		"Cargo.toml":     "[package]\nname = \"x\"\nedition = \"2021\"\nrust-version = \"1.70\"\n\n[dependencies]\nedition = \"not this\"\n",
		"pom.xml": `<project><properties><maven.compiler.release>17</maven.compiler.release></properties>
<build><plugins><plugin><artifactId>maven-compiler-plugin</artifactId><configuration><source>${java.version}</source><target>11</target></configuration></plugin></plugins></build></project>`,
		"build.gradle.kts": "java {\n    sourceCompatibility = JavaVersion.VERSION_1_8\n    toolchain { languageVersion = JavaLanguageVersion.of(21) }\n}\n",
	}
	for name, body := range files {
		gittest.Write(t, dir, name, body)
	}
	var got []string
	for _, l := range coder.Levels(dir) {
		got = append(got, l.String())
	}
	assert.Equal(t, []string{
		"Go go 1.21.3 (go.mod)",
		"Go toolchain go1.22.5 (go.mod)",
		"Python requires-python >=3.8 (pyproject.toml)",
		"Python requires-python ^3.9 (pyproject.toml)",
		"Python python_requires >=3.7, <4 (setup.cfg)",
		"Python python_requires >=3.6 (setup.py)",
		"Node.js engines.node >=18.0.0 (package.json)",
		"Rust edition 2021 (Cargo.toml)",
		"Rust rust-version 1.70 (Cargo.toml)",
		"Java release 17 (pom.xml)",
		"Java target 11 (pom.xml)",
		"Java source 1.8 (build.gradle.kts)",
		"Java toolchain 21 (build.gradle.kts)",
	}, got)
	assert.Empty(t, coder.Levels(t.TempDir()))
}
