/*
 * report_assets.S - the report page's style sheet and script, kept as the
 * files they are (libindex/report.css, libindex/report.js) and built into
 * the library as NUL-terminated strings: the page inlines them, so a
 * report folder needs nothing from anywhere else.
 */
	.section .rodata
	.globl vidx__report_css
	.type vidx__report_css, @object
vidx__report_css:
	.incbin "libindex/report.css"
	.byte 0
	.size vidx__report_css, . - vidx__report_css

	.globl vidx__report_js
	.type vidx__report_js, @object
vidx__report_js:
	.incbin "libindex/report.js"
	.byte 0
	.size vidx__report_js, . - vidx__report_js

	.section .note.GNU-stack, "", @progbits
