# The Tasker silo (with its HTTP front end), and the `tasker` command in /app/agent for the executor agents.
# Built by docker-compose.yml.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY Tasker.Silo/ Tasker.Silo/
COPY Tasker.Grains/ Tasker.Grains/
COPY Tasker.Grains.Abstractions/ Tasker.Grains.Abstractions/
COPY Tasker.Client/ Tasker.Client/
RUN dotnet publish Tasker.Silo/Tasker.Silo.csproj --configuration Release --output /app
RUN dotnet publish Tasker.Client/Tasker.Client.csproj --configuration Release --output /app/agent

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080
EXPOSE 8080 11111
ENTRYPOINT ["dotnet", "Tasker.Silo.dll"]
