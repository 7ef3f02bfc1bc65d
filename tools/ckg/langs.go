package ckg

import (
	"fmt"
	"strings"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/conclave-dev/conclave/internal/lang"
)

// A spec tells how to read one language: a tree-sitter query whose capture
// names say the role of each node (see role), and the family of languages
// whose files may refer to each other's definitions.
type spec struct {
	lang   *lang.Language
	family string
	query  string

	compile sync.Once
	q       *sitter.Query
	roles   []role // by capture index
	kinds   []Kind // by capture index, for roleDef
	err     error
}

// role is what a captured node is to the extractor. The primary roles
// (before roleName) start work; the others are read from the match of a
// primary capture.
type role uint8

const (
	roleNone     role = iota
	roleDef           // a definition; its kind follows the dot: @def.function
	roleTypeSpec      // a Go type_spec, whose kind depends on @typebody
	roleScope         // a container that is no definition but names the parent (a Rust impl)
	roleComment
	roleDocstring // a Python docstring, the doc of the innermost open definition
	roleImport
	roleRef // an identifier use

	roleName
	roleBody
	roleParent
	roleTypeBody
	roleImportName
	roleImportPath
	roleImportMember
	roleImportFn
)

var roleNames = map[string]role{
	"typespec": roleTypeSpec, "scope": roleScope, "comment": roleComment, "docstring": roleDocstring,
	"import": roleImport, "ref": roleRef,
	"name": roleName, "body": roleBody, "parent": roleParent, "typebody": roleTypeBody,
	"import.name": roleImportName, "import.path": roleImportPath, "import.member": roleImportMember,
	"import.fn": roleImportFn,
}

// compiled returns the spec's query and the role and kind of each capture.
// The query is shared: tree-sitter queries are immutable and safe to use
// from several goroutines, each with its own cursor.
func (s *spec) compiled() (*sitter.Query, []role, []Kind, error) {
	s.compile.Do(func() {
		s.q, s.err = sitter.NewQuery([]byte(s.query), s.lang.Grammar())
		if s.err != nil {
			s.err = fmt.Errorf("ckg: %s query: %w", s.lang.Name, s.err)
			return
		}
		n := s.q.CaptureCount()
		s.roles = make([]role, n)
		s.kinds = make([]Kind, n)
		for i := range n {
			name := s.q.CaptureNameForId(i)
			if k, ok := strings.CutPrefix(name, "def."); ok {
				kind, err := ParseKind(k)
				if err != nil {
					s.err = fmt.Errorf("ckg: %s query: capture @%s: %w", s.lang.Name, name, err)
					return
				}
				s.roles[i], s.kinds[i] = roleDef, kind
				continue
			}
			s.roles[i] = roleNames[name] // captures starting with "_" are helpers: roleNone
		}
	})
	return s.q, s.roles, s.kinds, s.err
}

var specs = func() map[*lang.Language]*spec {
	m := map[*lang.Language]*spec{}
	for _, s := range []*spec{
		{lang: lang.Go, family: "go", query: goQuery},
		{lang: lang.Python, family: "python", query: pythonQuery},
		{lang: lang.JavaScript, family: "js", query: jsQuery("identifier", "field_definition property") + jsRefs},
		{lang: lang.TypeScript, family: "js", query: jsQuery("type_identifier", "public_field_definition name") + tsQuery + jsRefs},
		{lang: lang.TSX, family: "js", query: jsQuery("type_identifier", "public_field_definition name") + tsQuery + jsRefs},
		{lang: lang.Java, family: "java", query: javaQuery},
		{lang: lang.Rust, family: "rust", query: rustQuery},
		{lang: lang.C, family: "c", query: cQuery + cRefs},
		{lang: lang.Cpp, family: "c", query: cQuery + cppQuery + cRefs},
	} {
		m[s.lang] = s
	}
	return m
}()

// familyOf returns the family of the language named name.
func familyOf(name string) string {
	if l, ok := lang.ByName(name); ok && specs[l] != nil {
		return specs[l].family
	}
	return name
}

// specFor returns the spec for a file path, or nil for a language the
// index does not read.
func specFor(path string) *spec {
	l, ok := lang.ForPath(path)
	if !ok {
		return nil
	}
	return specs[l]
}

// specForSource is specFor refined by the file's contents (a C++ ".h").
func specForSource(path string, src []byte) *spec {
	l, ok := lang.ForSource(path, src)
	if !ok {
		return nil
	}
	return specs[l]
}

const goQuery = `
(function_declaration name: (identifier) @name body: (_)? @body) @def.function
(method_declaration
  receiver: (parameter_list (parameter_declaration type: [
    (type_identifier) @parent
    (pointer_type (type_identifier) @parent)
    (generic_type type: (type_identifier) @parent)
    (pointer_type (generic_type type: (type_identifier) @parent))]))
  name: (field_identifier) @name body: (_)? @body) @def.method
(type_spec name: (type_identifier) @name type: (_) @typebody) @typespec
(type_alias name: (type_identifier) @name) @def.type
(method_elem name: (field_identifier) @name) @def.method
(comment) @comment
(import_spec name: (_)? @import.name path: (_) @import.path) @import
(identifier) @ref
(type_identifier) @ref
(field_identifier) @ref
(package_identifier) @ref
`

const pythonQuery = `
(function_definition name: (identifier) @name body: (_) @body) @def.function
(class_definition name: (identifier) @name body: (_) @body) @def.class
(assignment left: (identifier) @name right: (lambda)) @def.function
(function_definition body: (block . (expression_statement (string) @docstring)))
(class_definition body: (block . (expression_statement (string) @docstring)))
(comment) @comment
(import_statement name: (dotted_name) @import.path) @import
(import_statement name: (aliased_import name: (dotted_name) @import.path alias: (identifier) @import.name)) @import
(import_from_statement module_name: (_) @import.path name: (dotted_name) @import.member) @import
(import_from_statement module_name: (_) @import.path
  name: (aliased_import name: (dotted_name) @import.member alias: (identifier) @import.name)) @import
(identifier) @ref
`

// jsQuery is the part JavaScript and TypeScript share; the grammars
// differ in the node type of a class name and of a class field.
func jsQuery(classID, field string) string {
	return strings.NewReplacer("CLASSID", classID, "FIELD", field).Replace(`
(function_declaration name: (identifier) @name body: (_) @body) @def.function
(generator_function_declaration name: (identifier) @name body: (_) @body) @def.function
(variable_declarator name: (identifier) @name
  value: [(arrow_function body: (_) @body) (function_expression body: (_) @body) (generator_function body: (_) @body)]) @def.function
(assignment_expression
  left: (member_expression object: (_) @parent property: (property_identifier) @name)
  right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)]) @def.function
(pair key: (property_identifier) @name value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)]) @def.function
(class_declaration name: (CLASSID) @name body: (_) @body) @def.class
(class name: (CLASSID) @name body: (_) @body) @def.class
(method_definition name: (_) @name body: (_) @body) @def.function
(FIELD: (property_identifier) @name value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)]) @def.function
(comment) @comment
(import_statement (import_clause (identifier) @import.name) source: (string (string_fragment) @import.path)) @import
(import_statement (import_clause (namespace_import (identifier) @import.name)) source: (string (string_fragment) @import.path)) @import
(import_statement (import_clause (named_imports (import_specifier name: (identifier) @import.member alias: (identifier)? @import.name)))
  source: (string (string_fragment) @import.path)) @import
(variable_declarator name: (identifier) @import.name
  value: (call_expression function: (identifier) @import.fn arguments: (arguments . (string (string_fragment) @import.path)))) @import
`)
}

const tsQuery = `
(abstract_class_declaration name: (type_identifier) @name body: (_) @body) @def.class
(interface_declaration name: (type_identifier) @name body: (_) @body) @def.interface
(enum_declaration name: (identifier) @name body: (_) @body) @def.enum
(type_alias_declaration name: (type_identifier) @name) @def.type
(method_signature name: (_) @name) @def.function
(abstract_method_signature name: (_) @name) @def.function
(function_signature name: (identifier) @name) @def.function
(internal_module name: (_) @name body: (_) @body) @def.namespace
(module name: (identifier) @name body: (_) @body) @def.namespace
(type_identifier) @ref
`

const jsRefs = `
(identifier) @ref
(property_identifier) @ref
(shorthand_property_identifier) @ref
`

const javaQuery = `
(class_declaration name: (identifier) @name body: (_) @body) @def.class
(record_declaration name: (identifier) @name body: (_) @body) @def.class
(interface_declaration name: (identifier) @name body: (_) @body) @def.interface
(annotation_type_declaration name: (identifier) @name body: (_) @body) @def.interface
(enum_declaration name: (identifier) @name body: (_) @body) @def.enum
(method_declaration name: (identifier) @name body: (_)? @body) @def.function
(constructor_declaration name: (identifier) @name body: (_) @body) @def.function
(block_comment) @comment
(line_comment) @comment
(import_declaration) @import
(identifier) @ref
(type_identifier) @ref
`

const rustQuery = `
(function_item name: (identifier) @name body: (_) @body) @def.function
(function_signature_item name: (identifier) @name) @def.function
(struct_item name: (type_identifier) @name body: (_)? @body) @def.struct
(enum_item name: (type_identifier) @name body: (_)? @body) @def.enum
(union_item name: (type_identifier) @name body: (_)? @body) @def.union
(trait_item name: (type_identifier) @name body: (_) @body) @def.trait
(type_item name: (type_identifier) @name) @def.type
(mod_item name: (identifier) @name body: (_)? @body) @def.namespace
(impl_item type: [
  (type_identifier) @parent
  (generic_type type: (type_identifier) @parent)
  (scoped_type_identifier name: (type_identifier) @parent)]) @scope
(line_comment) @comment
(block_comment) @comment
(identifier) @ref
(type_identifier) @ref
(field_identifier) @ref
`

// funcDeclarator matches a function declarator with name pattern name,
// directly or under one or two pointer declarators.
func funcDeclarator(name string) string {
	fd := "(function_declarator declarator: " + name + ")"
	return "[" + fd + " (pointer_declarator declarator: " + fd + ") (pointer_declarator declarator: (pointer_declarator declarator: " + fd + "))]"
}

var cQuery = `
(function_definition declarator: ` + funcDeclarator("(identifier) @name") + ` body: (_) @body) @def.function
(struct_specifier name: (type_identifier) @name body: (_) @body) @def.struct
(union_specifier name: (type_identifier) @name body: (_) @body) @def.union
(enum_specifier name: (type_identifier) @name body: (_) @body) @def.enum
(type_definition declarator: (type_identifier) @name) @def.type
(comment) @comment
`

const cRefs = `
(identifier) @ref
(type_identifier) @ref
(field_identifier) @ref
`

var cppQuery = `
(function_definition declarator: ` + funcDeclarator("[(field_identifier) (destructor_name) (operator_name)] @name") + ` body: (_) @body) @def.function
(function_definition declarator: ` + funcDeclarator("(qualified_identifier scope: (_) @parent name: (_) @name)") + ` body: (_) @body) @def.function
(function_definition declarator: (reference_declarator ` + funcDeclarator("(identifier) @name") + `) body: (_) @body) @def.function
(field_declaration declarator: ` + funcDeclarator("[(field_identifier) (destructor_name) (operator_name)] @name") + `) @def.function
(field_declaration_list (declaration declarator: ` + funcDeclarator("[(identifier) (destructor_name)] @name") + `) @def.function)
(class_specifier name: (type_identifier) @name body: (_) @body) @def.class
(namespace_definition name: (_) @name body: (_) @body) @def.namespace
(alias_declaration name: (type_identifier) @name) @def.type
(namespace_identifier) @ref
`
