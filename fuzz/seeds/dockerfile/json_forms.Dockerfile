FROM gcr.io/distroless/java17-debian12:nonroot AS base
ENV JDK_JAVA_OPTIONS="-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=80"
ENTRYPOINT ["java", "-Dfile.encoding=UTF-8", "-Duser.name=\u00e9t\u00e9", "-jar", "/app/app.jar"]
CMD ["serve" , "--port" ,"8080"]

FROM base
CMD [ "not", json ]
ENTRYPOINT ["/busybox/sh", "-c", "java $JAVA_OPTS -jar /app/app.jar"]
