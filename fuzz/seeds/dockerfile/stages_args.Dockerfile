ARG REGISTRY=docker.io
ARG JAVA=21
FROM ${REGISTRY}/library/eclipse-temurin:${JAVA}-jdk AS jdk
ENV MAVEN_OPTS="-Xmx1g"
FROM jdk AS test
RUN ./mvnw test
FROM jdk
ARG REGISTRY
ARG BUILD_ID=local
ENV BUILD=${BUILD_ID} FROM_REGISTRY=$REGISTRY
# oomdoc.dev/ignore: OOM109,OOM110
CMD ["java","-XX:+UseZGC","-XX:SoftMaxHeapSize=2g","-jar","app.jar"]
