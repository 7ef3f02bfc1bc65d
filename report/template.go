package report

// pageTemplate is the page. A step's body is an inert <template> the
// script moves into the step when it is first opened, so a long
// trajectory costs the browser little to load. @CSP@, @STYLE@ and @SCRIPT@ are replaced by
// the policy, style and script before parsing, so they are the template's
// own text; everything else comes through actions and is escaped.
const pageTemplate = `
{{- define "head" -}}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="@CSP@">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.}}</title>
<style>@STYLE@</style>
</head>
{{- end}}
{{- define "page" -}}
{{template "head" .Title}}
<body>
{{- if gt (len .Runs) 1}}
<h1>{{.Title}}</h1>
<nav id="runs">{{range .Runs}}<a href="#{{.Anchor}}">{{.ID}}</a> {{end}}</nav>
{{- end}}
{{- range .Runs}}{{template "run" .}}{{end}}
<script>@SCRIPT@</script>
</body>
</html>
{{end}}

{{- define "run"}}
<section class="run" id="{{.Anchor}}">
<h1>{{.ID}}</h1>
<p class="muted">{{if .Repo}}{{.Repo}}{{end}}{{if .Base}} at {{.Base}}{{end}}{{if not .Finished}} · the run has not finished{{end}}</p>
<nav><a href="#{{.Anchor}}-issue">issue</a>{{range .Rounds}}<a href="#{{.Anchor}}">round {{.N}}</a>{{end}}<a href="#{{.Anchor}}-cost">cost</a>{{if .Traj}}<a href="#{{.Anchor}}-trajectories">trajectories</a>{{end}}</nav>
<div class="summary" id="{{.Anchor}}-summary">
<div class="card{{if .Winner}}{{if .Confident}} win{{else}} doubt{{end}}{{end}}" id="{{.Anchor}}-winner"><span class="muted">winner</span><b>{{or .Winner "none yet"}}</b>{{if .DecidedBy}}chosen by {{.DecidedBy}}{{if gt (len .Rounds) 1}} in round {{.Round}}{{end}}{{end}}</div>
<div class="card"><span class="muted">confident</span><b class="{{if .Confident}}good{{else}}warn{{end}}">{{if .Confident}}yes{{else}}no{{end}}</b></div>
<div class="card"><span class="muted">candidates</span><b>{{.Candidates}}</b>in {{len .Rounds}} round{{if ne (len .Rounds) 1}}s{{end}}</div>
<div class="card"><span class="muted">cost</span><b>{{cost .Cost}}</b>{{tokens .Tokens}} tokens</div>
</div>
{{- range .Doubts}}<p class="warn">Not confident: {{.}}</p>{{end}}
{{- with .Refinement}}<p>Refined because {{join .Why "; "}}: the winner went from <b>{{.Before}}</b> to <b>{{.After}}</b>{{if .Changed}} (the winning patch changed){{else}} (the winning patch is the same){{end}}.</p>{{end}}
{{- if .Problems}}<h3 class="bad">Could not be read</h3><ul>{{range .Problems}}<li class="bad">{{.}}</li>{{end}}</ul>{{end}}

<h2 id="{{.Anchor}}-issue">Issue</h2>
<details open><summary>the issue as the Coders and judges read it</summary><pre class="wrap">{{.Issue}}</pre></details>
{{range .Rounds}}{{template "round" .}}{{end}}

<h2 id="{{.Anchor}}-cost">Cost and tokens</h2>
{{- if .Usage}}
<div class="sbs">
<div><h3>Per model</h3>{{template "usage" (usage .ByModel false true)}}</div>
<div><h3>Per stage</h3>{{template "usage" (usage .ByStage true false)}}</div>
</div>
<details><summary>per stage and model</summary>{{template "usage" (usage .Usage true true)}}</details>
{{- else}}<p class="muted">No usage recorded.</p>{{end}}

{{- if .Traj}}
<h2 id="{{.Anchor}}-trajectories">Trajectories</h2>
{{range .Traj}}{{template "trajectory" .}}{{end}}
{{- end}}
</section>
{{end}}

{{- define "usage"}}
{{$t := .}}<table><tr>{{if .Stage}}<th>stage</th>{{end}}{{if .Model}}<th>model</th>{{end}}<th class="num">calls</th><th class="num">tokens</th><th class="num">cost</th></tr>
{{range .Rows}}<tr>{{if $t.Stage}}<td>{{.Stage}}</td>{{end}}{{if $t.Model}}<td>{{.Model}}</td>{{end}}<td class="num">{{.Calls}}</td><td class="num">{{tokens .Tokens}}</td><td class="num">{{cost .Cost}}</td></tr>
{{end}}</table>
{{- end}}

{{- define "round"}}
<h2 id="{{.Anchor}}">Round {{.N}}</h2>
{{- with .Decision}}
<p>Winner <b>{{.Winner}}</b>, decided by <b>{{.DecidedBy}}</b>{{if .TieRule}} (tie rule: {{.TieRule}}){{end}}; seed {{.Seed}}. Ranking: {{join .Ranking ", "}}.</p>
{{- else}}<p class="muted">No selection yet.</p>{{end}}

{{- if .Funnel}}
<h3>Funnel</h3>
<table class="funnel"><tr><th>stage</th><th class="num">in</th><th>left</th><th>dropped, and why</th></tr>
{{range .Funnel}}<tr><td>{{.Stage}}</td><td class="num">{{.In}}</td><td><meter min="0" max="{{.Of}}" value="{{.Left}}"></meter> {{.Left}}{{with .Winner}} <span class="tag win">{{.}} wins</span>{{end}}</td><td>
{{- range .Dropped}}<div><span class="tag drop">{{.Candidate}}</span> {{.Reason}}{{with .Detail}}: <span class="muted">{{.}}</span>{{end}}</div>{{end}}
{{- range .KeptFailing}}<div><span class="tag">{{.Candidate}}</span> failed ({{.Reason}}) but kept: none passed{{with .Detail}}: <span class="muted">{{.}}</span>{{end}}</div>{{end}}
{{- range .Notes}}<div class="muted">{{.}}</div>{{end}}
{{- with .Error}}<div class="bad">{{.}}</div>{{end}}</td></tr>
{{end}}</table>
{{- end}}

{{- if .Clusters}}
<h3>Clusters</h3>
<table><tr><th>members (source)</th><th class="num">size</th></tr>
{{range .Clusters}}<tr><td>{{range .Members}}<span class="tag{{if $.Decision}}{{if eq .ID $.Decision.Winner}} win{{end}}{{end}}">{{.ID}}{{with .Source}} ({{.}}){{end}}</span>{{end}}</td><td class="num">{{len .Members}}</td></tr>
{{end}}</table>
{{- end}}

{{- range .Votes}}{{template "vote" .}}{{end}}

{{- if .Tests}}
<h3>Tests</h3>
{{range .Tests}}<table><tr><th>{{.Stage}}: on</th><th class="num">passed</th><th class="num">failed</th><th>regressions</th></tr>
{{range .Runs}}<tr><td>{{or .Candidate "the original files"}}</td>{{if .Error}}<td colspan="3" class="bad">did not run: {{.Error}}</td>{{else}}<td class="num">{{.Passed}}</td><td class="num">{{.Failed}}</td><td>{{range .Regressions}}<span class="tag drop">{{.}}</span>{{else}}<span class="muted">none</span>{{end}}</td>{{end}}</tr>
{{end}}</table>{{end}}
{{- end}}

{{- if .Candidates}}
<h3>Candidates</h3>
{{range .Candidates}}{{template "candidate" .}}{{end}}
{{- end}}

{{- if .Explain}}
<details><summary>the decision in words</summary><pre class="wrap">{{.Explain}}</pre></details>
{{- end}}
{{- end}}

{{- define "vote"}}
<h3 class="vote">Vote: {{.Stage}}</h3>
<p class="muted">{{if .Strategy}}strategy {{.Strategy}}{{end}}{{if .Threshold}}, a winner needs more than {{pct .Threshold}}{{end}}{{if .TieRule}}; ties: {{.TieRule}}{{end}}
{{- if .Judges}}; judges{{range .Judges}} {{.Name}} (weight {{num .Weight}}){{end}}{{end}}
{{- if .Criteria}}; criteria{{range .Criteria}} <abbr title="{{.Question}}">{{.Name}}</abbr>{{end}}{{end}}</p>
{{- range .Rounds}}
<table class="ballots"><tr><th>round {{.Number}}: judge</th>{{range .Candidates}}<th>{{.}}</th>{{end}}</tr>
{{range .Ballots}}<tr class="ballot"><td><b>{{.Voter}}</b>{{if ne .Weight 1.0}} ×{{num .Weight}}{{end}}{{with .Shown}}<div class="muted">shown {{join . ", "}}</div>{{end}}{{with .Text}}<div>{{.}}</div>{{end}}{{with .Trace}}<div class="muted">{{.Model}}{{if .Steps}}, {{.Steps}} steps{{end}}{{if .Tokens}}, {{tokens .Tokens}} tokens{{end}}{{if .Cost}}, {{cost .Cost}}{{end}}</div>{{end}}{{with .Traj}}<a href="#{{.}}">trajectory</a>{{end}}</td>
{{range .Cells}}<td>{{with .Mark}}<span class="{{.}}">{{.}}</span>{{else}}<span class="muted">–</span>{{end}}{{with .Reason}}<div>{{.}}</div>{{end}}{{with .Criteria}}<ul class="find">{{range .}}<li><b>{{.Name}}</b>: {{.Text}}</li>{{end}}</ul>{{end}}</td>{{end}}</tr>
{{end}}<tr><td class="muted">standing{{if .Tied}} (tied){{end}}</td>{{range .Standing}}<td class="num">{{num .Score}}</td>{{end}}</tr>
{{- with .Error}}<tr><td colspan="99" class="bad">no decision: {{.}}</td></tr>{{end}}
</table>
{{- end}}
{{- if .Tally}}
<table><tr><th>cluster, named by its member standing for it</th><th class="num">weight</th></tr>
{{range .Tally}}<tr><td>{{.ID}}</td><td class="num">{{num .Score}}</td></tr>{{end}}</table>
{{- with .Counted}}<details><summary>{{len .}} ballots</summary><table><tr><th>voter</th><th>for</th><th class="num">weight</th></tr>{{range .}}<tr><td>{{.Voter}}</td><td>{{.Choice}}</td><td class="num">{{num .Weight}}</td></tr>{{end}}</table></details>{{end}}
{{- end}}
{{- with .Matches}}
<table><tr><th>round</th><th>pair</th><th>judgements (shown order: pick)</th><th>winner</th></tr>
{{range .}}<tr><td class="num">{{.Round}}</td><td>{{index .Pair 0}} v {{index .Pair 1}}</td><td>{{range .Judgements}}<div><b>{{.By}}</b> ({{index .Shown 0}}, {{index .Shown 1}}): {{if .Choice}}<span class="pick">{{.Choice}}</span>{{with .Reason}} {{.}}{{end}}{{else}}<span class="bad">failed</span>{{end}}</div>{{end}}</td><td><b>{{.Winner}}</b> <span class="muted">{{.Rule}}{{with .By}} by {{.}}{{end}}</span></td></tr>
{{end}}</table>
{{- end}}
{{- if .Scores}}
{{$f := .Features}}<table><tr><th>candidate</th><th class="num">score</th>{{range $f}}<th class="num">{{.}}</th>{{end}}</tr>
{{range .Scores}}{{$s := .}}<tr><td>{{.Candidate}}</td><td class="num">{{num .Score}}</td>{{range $f}}<td class="num">{{feature $s.Features .}}</td>{{end}}</tr>
{{end}}</table>
{{- end}}
{{- with .Verdict}}<p>The verifier {{if .Confirmed}}<span class="good">confirmed</span>{{else}}<span class="bad">refused</span>{{end}} {{.Candidate}}{{with .Reason}}: {{.}}{{end}}</p>{{end}}
{{- range .Failures}}<p class="bad">{{.By}} failed{{if .Round}} in round {{.Round}}{{end}} ({{.Kind}}){{with .Candidate}} on {{.}}{{end}}: {{.Detail}}</p>{{end}}
{{- with .Winner}}<p>⇒ <b>{{.}}</b> wins</p>{{end}}
{{- end}}

{{- define "candidate"}}
<div class="cand{{if .Winner}} win{{end}}" id="{{.Anchor}}">
<b>{{.ID}}</b>{{with .Source}} · {{.}}{{end}}{{if and .Coder (ne .Coder .ID)}} · coder {{.Coder}}{{end}}
<span class="tag{{if .Winner}} win{{else if .Dropped}} drop{{end}}">{{.Fate}}</span>
<span class="muted">{{if .Steps}}{{.Steps}} steps · {{end}}{{if .Reason}}stopped: {{.Reason}} · {{end}}{{tokens .Tokens}} tokens · {{cost .Cost}} · {{tokens .Bytes}} bytes of patch</span>
{{with .Traj}}<a href="#{{.}}">trajectory</a>{{end}}
{{- with .Error}}<pre class="wrap bad">{{.}}</pre>{{end}}
{{- with .Critique}}<details><summary>the critique it was given</summary><pre class="wrap">{{.}}</pre></details>{{end}}
{{- if .Patch}}
<details><summary>patch</summary><pre class="diff">{{range .Patch}}<span class="{{.Class}}">{{.Text}}</span>{{end}}</pre></details>
{{- if .Winning}}<details><summary>side by side with the winner</summary><div class="sbs"><div><b>{{.ID}}</b><pre class="diff">{{range .Patch}}<span class="{{.Class}}">{{.Text}}</span>{{end}}</pre></div><div><b>the winner</b><pre class="diff">{{range .Winning}}<span class="{{.Class}}">{{.Text}}</span>{{end}}</pre></div></div></details>{{end}}
{{- else}}<p class="muted">No patch.</p>{{end}}
</div>
{{- end}}

{{- define "trajectory"}}
<details class="traj" id="{{.Anchor}}"><summary>{{.Agent}}: {{len .Steps}} steps, {{tokens .Tokens}} tokens, {{cost .Cost}}{{if .Errors}}, <span class="bad">{{.Errors}} with errors</span>{{end}}{{with .Stop}}; stopped: {{.Reason}}{{end}}</summary>
<p class="muted">{{.Path}}</p>
{{- with .Problem}}<p class="bad">{{.}}</p>{{end}}
{{- with .Start}}<details><summary>start: {{.Model}}{{with .Tools}}, tools {{join . ", "}}{{end}}</summary>{{with .System}}<h4>system</h4><pre class="wrap">{{.}}</pre>{{end}}<h4>task</h4><pre class="wrap">{{.Task}}</pre></details>{{end}}
<div class="toolbar"><button type="button" data-steps="open">open every step</button><button type="button" data-steps="close">close every step</button></div>
{{- range .Steps}}
<details class="step{{if .HasError}} err{{end}}{{if .Sub}} sub{{end}}"><summary>{{if .Sub}}{{.Agent}} {{end}}step {{.N}}{{range .Calls}} · {{.Name}}{{end}}{{if .Trims}} · <span class="trim">trimmed</span>{{end}}{{if .HasError}} · <span class="bad">error</span>{{end}} <span class="muted">{{tokens .Tokens}} tokens, {{cost .Cost}}</span></summary><template><div class="body">
{{- range .Trims}}<div class="trim">context trimmed ({{.Stage}}, {{.Reason}}): {{tokens .Before}} → {{tokens .After}} tokens, {{.Messages}} messages{{if .Cost}}, {{cost .Cost}}{{end}}</div>{{end}}
{{- with .Error}}<pre class="wrap bad">{{.}}</pre>{{end}}
{{- with .Reasoning}}<details><summary>reasoning</summary><pre class="wrap muted">{{.}}</pre></details>{{end}}
{{- with .Text}}<pre class="wrap">{{.}}</pre>{{end}}
{{- range .Calls}}<details class="call{{if or .IsError .Failure}} err{{end}}"><summary>{{.Name}}{{if .Failure}} ({{.Failure}}){{else if .IsError}} (error){{end}}{{if .Done}} (done){{end}}{{if .Answered}} <span class="muted">{{dur .Duration}}</span>{{else}} <span class="muted">no result</span>{{end}}</summary><div class="muted">arguments</div><pre class="wrap args">{{.Args}}</pre>{{if .Answered}}<div class="muted">output</div><pre class="wrap output{{if .IsError}} bad{{end}}">{{.Output}}</pre>{{end}}</details>{{end}}
{{- with .Nudge}}<div class="muted">nudged: {{.}}</div>{{end}}
</div></template></details>
{{- end}}
{{- with .Stop}}<p>Stopped: {{.Reason}} after {{.Steps}} steps{{with .Error}}: <span class="bad">{{.}}</span>{{end}}</p>{{with .Final}}<pre class="wrap">{{.}}</pre>{{end}}{{end}}
</details>
{{- end}}
`

// indexTemplate is the index page of many runs.
const indexTemplate = `
{{- define "index" -}}
{{template "head" .Title}}
<body>
<h1>{{.Title}}</h1>
<div class="summary">
<div class="card"><span class="muted">instances</span><b>{{.Runs}}</b>{{.Finished}} finished</div>
<div class="card"><span class="muted">confident</span><b>{{.Confident}}</b>of {{.Runs}}</div>
<div class="card"><span class="muted">candidates</span><b>{{.Candidates}}</b></div>
<div class="card"><span class="muted">cost</span><b>{{cost .Cost}}</b>{{tokens .Tokens}} tokens</div>
</div>
{{- with .DecidedBy}}<p>Decided by:{{range .}} <span class="tag">{{.Name}}: {{.N}}</span>{{end}}</p>{{end}}
<table class="index"><tr><th>instance</th><th>winner</th><th>decided by</th><th>confident</th><th class="num">rounds</th><th class="num">candidates</th><th class="num">dropped</th><th class="num">tokens</th><th class="num">cost</th></tr>
{{range .Rows}}<tr><td>{{if .Href}}<a href="{{.Href}}">{{.ID}}</a>{{else}}{{.ID}}{{end}}{{if not .Finished}} <span class="muted">(not finished)</span>{{end}}{{if .Problems}} <span class="bad">({{.Problems}} unreadable)</span>{{end}}</td><td>{{.Winner}}</td><td>{{.DecidedBy}}</td><td class="{{if .Confident}}good{{else}}warn{{end}}">{{if .Confident}}yes{{else}}no{{end}}</td><td class="num">{{.Rounds}}</td><td class="num">{{.Candidates}}</td><td class="num">{{.Dropped}}</td><td class="num">{{tokens .Tokens}}</td><td class="num">{{cost .Cost}}</td></tr>
{{end}}</table>
</body>
</html>
{{end}}
`
