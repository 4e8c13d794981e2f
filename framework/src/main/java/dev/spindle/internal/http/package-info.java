/**
 * The implementation of {@link dev.spindle.http.Context}, one responsibility per class: the
 * request view (parameters, headers, typed conversions), the body reader (JSON, forms, uploads),
 * the response being built, and the renderer of returned values, joined by
 * {@link dev.spindle.internal.http.DefaultContext}. They read the request through
 * {@link dev.spindle.internal.http.ServerRequest}, the narrow SPI of raw facts the server adapter
 * implements, so none of them knows Undertow.
 */
package dev.spindle.internal.http;
