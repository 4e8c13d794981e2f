package dev.spindle.http;

/**
 * A file part of a {@code multipart/form-data} request, held in memory (bounded by the body limit).
 *
 * @param field the form field name
 * @param filename the name the client gave, never to be trusted as a path
 * @param contentType the part's content type, or {@code application/octet-stream}
 */
public record UploadedFile(String field, String filename, String contentType, byte[] content) {

    public long size() {
        return content.length;
    }
}
